import { lastStoredHeaderText } from '../../bus/headers'
import { storedHeadersSchema, type StoredHeader } from '../../domain/dead-letters'

/**
 * What the replay guards read from a stored dead letter: its idempotency key, its business keys,
 * its original trace context and where a replay goes. Part A's indexer decodes most of this into
 * columns; what it does not (the idempotency key) is read from the body or the headers here.
 */

export interface DeadLetterLike {
  value: Uint8Array | null
  headers: unknown
  businessKeys: unknown
  sourceTopic: string | null
  consumerGroup: string | null
}

export function storedHeaders(dl: Pick<DeadLetterLike, 'headers'>): StoredHeader[] {
  const parsed = storedHeadersSchema.safeParse(dl.headers)
  return parsed.success ? parsed.data : []
}

export function bodyOf(dl: Pick<DeadLetterLike, 'value'>): Record<string, unknown> | null {
  if (!dl.value) return null
  try {
    const parsed: unknown = JSON.parse(Buffer.from(dl.value).toString('utf8'))
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null
  } catch {
    return null
  }
}

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined)

/** The key ERP deduplicates on: the body's `idempotency_key`, else the header of that name. */
export function idempotencyKeyOf(dl: Pick<DeadLetterLike, 'value' | 'headers'>): string | undefined {
  return str(bodyOf(dl)?.idempotency_key) ?? lastStoredHeaderText(storedHeaders(dl), 'idempotency_key')
}

/**
 * The business key whose order matters for this record: its work order (confirmations, goods
 * movements to an order), else its lot/batch (transfers, deliveries). From the indexer's decoded
 * business keys, else from the body.
 */
export function orderingKeyOf(dl: Pick<DeadLetterLike, 'value' | 'businessKeys'>): { type: 'work_order' | 'lot'; value: string } | undefined {
  const keys = (typeof dl.businessKeys === 'object' && dl.businessKeys !== null ? dl.businessKeys : {}) as Record<string, unknown>
  const body = bodyOf(dl) ?? {}
  const order = str(keys.work_order) ?? str(body.work_order)
  if (order) return { type: 'work_order', value: order }
  const lot = str(keys.lot) ?? str(body.lot) ?? str(body.batch)
  return lot ? { type: 'lot', value: lot } : undefined
}

/** W3C traceparent: version-traceid-spanid-flags. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

export interface TraceContext {
  header: string
  traceId: string
  spanId: string
  flags: string
}

/** The original trace context: `traceparent`, else CloudEvents' `ce_traceparent`. */
export function traceContextOf(headers: readonly StoredHeader[]): TraceContext | undefined {
  for (const name of ['traceparent', 'ce_traceparent']) {
    const header = lastStoredHeaderText(headers, name)?.trim().toLowerCase()
    const m = header ? TRACEPARENT.exec(header) : null
    if (m && header) return { header, traceId: m[2]!, spanId: m[3]!, flags: m[4]! }
  }
  return undefined
}

/**
 * Where a replay goes: the consumer group's redrive topic when one is configured (a shared source
 * topic makes every subscriber reprocess the record), else the decoded source topic, else the
 * explicit target the person gave for records of unknown origin.
 */
export function targetTopicOf(
  dl: Pick<DeadLetterLike, 'sourceTopic' | 'consumerGroup'>,
  redrive: Readonly<Record<string, string>>,
  explicit: string | undefined,
): string | undefined {
  if (dl.consumerGroup && redrive[dl.consumerGroup]) return redrive[dl.consumerGroup]
  return dl.sourceTopic ?? explicit
}
