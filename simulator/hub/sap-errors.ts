import type { HopError } from '../../server/domain/hop-event'
import type { TransientKind } from '../world'

/**
 * SAP-like error codes and texts per category, as an ERP (BAPI return / OData error) reports them.
 * Codes are `message class/number`; the texts keep SAP's shapes so that fingerprinting ("numbers,
 * ids and quantities normalised away") meets realistic input.
 */

export function lockError(order: string | undefined, material: string, user: string): HopError {
  return order
    ? { category: 'transient', code: 'CO/007', text: `Order ${order} is already being processed by ${user}`, retryable: true, source_code: 'ENQUEUE' }
    : { category: 'transient', code: 'M3/897', text: `The plant data of the material ${material} is locked by the user ${user}`, retryable: true, source_code: 'ENQUEUE' }
}

export function technicalError(kind: Exclude<TransientKind, 'lock'>): HopError {
  switch (kind) {
    case 'http_429':
      return { category: 'transient', code: 'HTTP_429', text: 'Too Many Requests: ERP API quota of 600 calls/min exceeded, retry later', retryable: true, http_status: 429 }
    case 'http_503':
      return { category: 'transient', code: 'HTTP_503', text: 'Service Unavailable: no application server available for /sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV', retryable: true, http_status: 503 }
    case 'http_504':
      return { category: 'transient', code: 'HTTP_504', text: 'Gateway Timeout: no response from ERP within 30 s (outcome unknown)', retryable: true, http_status: 504 }
    case 'csrf':
      return { category: 'transient', code: 'HTTP_403', text: 'CSRF token validation failed: token expired, fetching a new one', retryable: true, http_status: 403 }
  }
}

export function deficitError(d: { material: string; plant: string; sloc: string; batch: string; quantity: number; uom: string; key: string }): HopError {
  return {
    category: 'dependency',
    code: 'M7/021',
    text: `Deficit of BA Unrestricted-use ${formatQty(d.quantity)} ${d.uom} : ${d.material} ${d.plant} ${d.sloc} ${d.batch}`,
    retryable: true,
    dependency_key: d.key,
  }
}

export function partialError(d: { material: string; plant: string; sloc: string; batch: string; quantity: number; uom: string; key: string }): HopError {
  return {
    category: 'partial',
    code: 'M7/021',
    text: `Confirmation posted; backflush of ${d.material} failed (COGI): Deficit of BA Unrestricted-use ${formatQty(d.quantity)} ${d.uom} : ${d.material} ${d.plant} ${d.sloc} ${d.batch}`,
    retryable: false,
    dependency_key: d.key,
    source_code: 'COGI',
  }
}

export function periodError(open: [string, string], companyCode: string): HopError {
  return { category: 'permanent', code: 'M7/053', text: `Posting only possible in periods ${open[0]} and ${open[1]} in company code ${companyCode}`, retryable: false }
}

export function tecoError(order: string): HopError {
  return { category: 'permanent', code: 'BS/013', text: `System status TECO is active (ORD ${order})`, retryable: false }
}

export function masterDataError(material: string, plant: string): HopError {
  return { category: 'permanent', code: 'M3/305', text: `Material ${material} not maintained in plant ${plant}`, retryable: false }
}

export function authorizationError(movementType: string, plant: string, user: string): HopError {
  return { category: 'permanent', code: 'M7/120', text: `No authorization for movement type ${movementType} in plant ${plant} (user ${user})`, retryable: false }
}

export function accountDeterminationError(valuationClass: string): HopError {
  return { category: 'permanent', code: 'M8/147', text: `Account determination for entry INT GBB ____ VBR ${valuationClass} not possible`, retryable: false }
}

export function validationError(problems: string[]): HopError {
  return { category: 'permanent', code: 'VAL/001', text: `Message rejected by the hub: ${problems.join('; ')}`.slice(0, 4000), retryable: false }
}

function formatQty(q: number): string {
  return Number.isInteger(q) ? String(q) : q.toFixed(3)
}
