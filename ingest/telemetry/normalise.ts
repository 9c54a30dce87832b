import type { Headers } from '../../server/bus/port'
import type { HopEvent } from '../../server/domain/hop-event'
import { lastHeaderText } from '../../server/bus/headers'
import type { OriginCache } from './origin-cache'

/**
 * Fills what the event model lets a hop leave out (EVENT-MODEL.md), as a function of the event,
 * the record headers, the origin cache and the ingest time — nothing else:
 * - `recorded_at`: the ingest time;
 * - `origin_time`: the origin of the transaction (the one a hop sent, else the `occurred_at` of
 *   the first hop seen, this one's for a transaction not seen before: `originOf`). It must be the
 *   same for every hop of a transaction: it is the partition key and part of the txn_summary key;
 * - `trace_id` / `span_id`: from W3C trace context when the body has none — the CloudEvent's own
 *   `traceparent` (structured extension or `ce_traceparent` header) before a plain `traceparent`
 *   header, which an instrumented producer or proxy may have replaced with its own span.
 * The event is completed in place and returned: it is the one a source just made for this record
 * (decode, the OTLP mapper, a tap), read by nothing else. A completed copy (`{ ...event }`) cost
 * ~2.7 µs per event, and every later read of the copy (the rows) took 4.4 µs instead of 0.7: V8
 * reads a spread object's properties the slow way (ingest bench events, 50k, medians of 9).
 */
export function normalise(
  event: HopEvent,
  headers: Headers,
  cache: OriginCache,
  /** Ingest time; pass one Date per delivery, not one per record (its text is computed once). */
  now: Date,
  /** The structured CloudEvent's `traceparent` extension (decode result). */
  bodyTraceparent?: string,
): HopEvent {
  event.origin_time = originOf(event, cache)
  if (event.recorded_at === undefined) event.recorded_at = isoOf(now)
  if (event.trace_id === undefined || event.span_id === undefined) {
    const ctx =
      parseTraceparent(bodyTraceparent) ??
      parseTraceparent(lastHeaderText(headers, 'ce_traceparent')) ??
      parseTraceparent(lastHeaderText(headers, 'traceparent'))
    if (ctx && (event.trace_id === undefined || event.trace_id === ctx.traceId)) {
      event.trace_id = ctx.traceId
      event.span_id ??= ctx.spanId
    }
  }
  return event
}

let lastNow: Date | undefined
let lastNowIso = ''
/** toISOString costs about a microsecond; callers reuse one Date for a whole delivery. */
function isoOf(now: Date): string {
  if (now !== lastNow) {
    lastNow = now
    lastNowIso = now.toISOString()
  }
  return lastNowIso
}

/**
 * The origin of the event's transaction (its own, the cached one, or its time), kept in the cache.
 * An inferred origin is the first hop seen's time and stays: hops of one transaction arrive out of
 * order (each OTel service exports its spans in batches of its own, whenever its batch is full or
 * due), and lowering the origin when an earlier hop came later gave the hops seen before another
 * key. One transaction became two or three rows: the part without the posting "stuck", counted
 * as a transaction of its own (OTLP bench load: 2.3 keys per transaction of five spans), and its
 * trace, read by origin, missing the other part's hops. The price: where the first hop seen is
 * not the earliest, the transaction's end-to-end latency counts from a later hop. An origin a hop
 * sends is authoritative (`linetrace.origin_time` for OTel spans).
 */
export function originOf(event: HopEvent, cache: OriginCache): string {
  const key = event.correlation_id
  if (event.origin_time !== undefined) {
    // The common case (producers send it on every hop): one lookup, no reordering.
    if (!cache.peek(key)?.explicit) cache.set(key, { iso: event.origin_time, explicit: true })
    return event.origin_time
  }
  const known = cache.get(key)
  if (known !== undefined) return known.iso
  cache.set(key, { iso: event.occurred_at, explicit: false })
  return event.occurred_at
}

export interface TraceContext {
  traceId: string
  spanId: string
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?$/
const ZERO_TRACE = '0'.repeat(32)
const ZERO_SPAN = '0'.repeat(16)

/** W3C Trace Context `traceparent`: `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`. */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  if (value === undefined) return undefined
  const m = TRACEPARENT.exec(value.trim())
  if (!m) return undefined
  const [, version, traceId, spanId, rest] = m
  // ff is forbidden; version 00 has exactly four fields; later versions may append more.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined
  return { traceId: traceId!, spanId: spanId! }
}
