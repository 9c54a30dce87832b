/**
 * What the trace search box understands (issue 5): a correlation id, a work order, a lot, a
 * material, a shipment, an ERP document or a trace id, either detected from its shape or written as
 * `key:value`. Pure, so the search page can show what a query will be read as before it runs.
 *
 * Shapes follow the ids the simulator (and SAP) produce: work orders are 12 digits (1550…), lots,
 * deliveries and material documents are 10 digits and cannot be told apart by shape (all three are
 * searched), materials look like `FG10023`, trace ids are 32 hex digits.
 */

export const BUSINESS_KEY_TYPES = ['work_order', 'lot', 'material', 'shipment', 'erp_document', 'trace_id'] as const
export type BusinessKeyType = (typeof BUSINESS_KEY_TYPES)[number]

export const SEARCH_KEY_TYPES = ['correlation_id', ...BUSINESS_KEY_TYPES] as const
export type SearchKeyType = (typeof SEARCH_KEY_TYPES)[number]

export const SEARCH_KEY_LABELS: Readonly<Record<SearchKeyType, string>> = {
  correlation_id: 'correlation id',
  work_order: 'work order',
  lot: 'lot',
  material: 'material',
  shipment: 'shipment',
  erp_document: 'ERP document',
  trace_id: 'trace id',
}

/** Short aliases people type (`wo:…`, `doc:…`). */
const ALIASES: Readonly<Record<string, SearchKeyType>> = {
  cid: 'correlation_id',
  correlation: 'correlation_id',
  wo: 'work_order',
  order: 'work_order',
  batch: 'lot',
  mat: 'material',
  delivery: 'shipment',
  doc: 'erp_document',
  document: 'erp_document',
  trace: 'trace_id',
}

export interface SearchKey {
  /** One type, or several when the shape is ambiguous (10 digits: lot, delivery or document). */
  types: SearchKeyType[]
  value: string
  /** `key:value` given by the user rather than detected. */
  explicit: boolean
}

export const MAX_SEARCH_LENGTH = 128

function keyType(name: string): SearchKeyType | undefined {
  const n = name.toLowerCase()
  if ((SEARCH_KEY_TYPES as readonly string[]).includes(n)) return n as SearchKeyType
  return ALIASES[n]
}

/** Reads the search box; null when it is empty. */
export function parseSearch(input: string | null | undefined): SearchKey | null {
  const q = (input ?? '').trim().slice(0, MAX_SEARCH_LENGTH)
  if (!q) return null
  const colon = q.indexOf(':')
  if (colon > 0) {
    const type = keyType(q.slice(0, colon).trim())
    const value = q.slice(colon + 1).trim()
    if (type && value) return { types: [type], value: type === 'trace_id' ? value.toLowerCase() : value, explicit: true }
  }
  const types = detectKeyTypes(q)
  // Trace ids are stored as W3C writes them, lowercase; tools (and people) often show them in capitals.
  return { types, value: types[0] === 'trace_id' ? q.toLowerCase() : q, explicit: false }
}

export function detectKeyTypes(value: string): SearchKeyType[] {
  if (/^[0-9a-f]{32}$/i.test(value)) return ['trace_id']
  if (/^\d{12}$/.test(value)) return ['work_order']
  if (/^\d{10}$/.test(value)) {
    // Material documents are numbered 49…/50… in SAP; other 10-digit numbers are lots or deliveries.
    return /^(49|50)/.test(value) ? ['erp_document', 'lot', 'shipment'] : ['lot', 'shipment', 'erp_document']
  }
  if (/^\d{11,18}$/.test(value)) return ['shipment', 'lot', 'erp_document']
  if (/^[A-Z]{1,4}-?\d{3,12}$/i.test(value)) return ['material']
  return ['correlation_id']
}

/** How the page describes what the box will search for. */
export function describeSearch(key: SearchKey): string {
  return `${key.types.map((t) => SEARCH_KEY_LABELS[t]).join(' or ')} ${key.value}`
}
