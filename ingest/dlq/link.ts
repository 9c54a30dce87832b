import type { BusRecord } from '../../server/bus/port'
import { BUSINESS_KEY_TYPES, type BusinessKeyType } from '../../server/domain/trace-search'
import { text } from './decoders/header-values'

/**
 * What ties a dead letter to the business (DLQ-REPLAY.md "Link each dead letter"): its transaction
 * (correlation id from the body, `ce_correlationid`, `correlation_id` header, else the record key),
 * plant, flow, origin time and business keys, read from the payload (a flow message, or a hop event
 * in the telemetry DLQ) and falling back to headers.
 */

export interface BusinessLink {
  correlationId: string | null
  plantCode: string | null
  flow: string | null
  originTime: Date | null
  businessKeys: Record<string, string>
}

/**
 * The business keys read from a dead letter's message, each kept under the name the message uses
 * (the dead-letter page shows what the message said):
 * - the canonical key types (BUSINESS_KEY_TYPES, server/domain/trace-search.ts) but trace_id, which
 *   is tracing, not business;
 * - the names flow messages (server/domain/flow-messages.ts) give some of them, as the search box
 *   also accepts them;
 * - keys no search knows, kept for people to read.
 */
const MESSAGE_ALIASES = { batch: 'lot', delivery: 'shipment' } as const satisfies Record<string, BusinessKeyType>
const UNSEARCHED_KEYS = ['handling_unit', 'inspection_lot'] as const
const BUSINESS_KEYS = [...BUSINESS_KEY_TYPES.filter((t) => t !== 'trace_id'), ...Object.keys(MESSAGE_ALIASES), ...UNSEARCHED_KEYS]

const str = (v: unknown, max = 256) => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined)

function jsonBody(value: Buffer | null): Record<string, unknown> {
  if (!value || value.length === 0) return {}
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'))
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {}
    const o = parsed as Record<string, unknown>
    // A CloudEvent in structured mode: the business message is its data.
    return typeof o.data === 'object' && o.data !== null && !Array.isArray(o.data) ? { ...(o.data as Record<string, unknown>), ...o } : o
  } catch {
    return {}
  }
}

export function linkOf(record: BusRecord, decodedFlow: string | undefined): BusinessLink {
  const body = jsonBody(record.value)
  const business = (typeof body.business === 'object' && body.business !== null ? body.business : {}) as Record<string, unknown>
  const correlationId =
    str(body.correlation_id, 128) ??
    str(body.correlationid, 128) ??
    text(record.headers, 'ce_correlationid') ??
    text(record.headers, 'correlation_id') ??
    (record.key && record.key.length <= 128 ? record.key.toString('utf8') : undefined)
  const flow = str(body.flow, 64) ?? decodedFlow ?? text(record.headers, 'x-flow')
  const origin = str(body.origin_time, 64)
  const originMs = origin ? Date.parse(origin) : NaN
  const businessKeys: Record<string, string> = {}
  for (const k of BUSINESS_KEYS) {
    const v = str(business[k]) ?? str(body[k])
    if (v) businessKeys[k] = v
  }
  return {
    correlationId: correlationId ?? null,
    plantCode: str(body.plant, 16) ?? text(record.headers, 'x-plant') ?? null,
    flow: flow ?? null,
    originTime: Number.isFinite(originMs) ? new Date(originMs) : null,
    businessKeys,
  }
}
