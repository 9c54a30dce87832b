import { createHash } from 'node:crypto'
import { fromStoredHeaders } from '../../server/bus/stored-headers'
import type { OutgoingRecord } from '../../server/bus/port'
import { isDlqHeader, type StoredHeader } from '../../server/domain/dead-letters'
import { PROVENANCE_HEADERS } from '../../server/domain/replays'
import { storedHeaders, traceContextOf, type TraceContext } from '../../server/services/replays/dead-letter-facts'

/**
 * The record a replay produces (DLQ-REPLAY.md "Produce"), exactly:
 * - the original key bytes and value (or the edited value); NO partition: the default partitioner
 *   puts it where live traffic for that key goes;
 * - the business headers, byte for byte, in order; DLQ context headers stripped (and returned, to
 *   be archived), and so are the provenance headers of an earlier replay (replaced below);
 * - provenance: x-replay-id (the ReplayItem id), -job-id, -count, x-replayed-by, x-replayed-at,
 *   x-replay-source (topic/partition/offset of the dead letter), x-replay-reason, x-replay-edited;
 * - trace context: the original traceparent kept as x-original-traceparent (ce_traceparent is kept
 *   as it was), and traceparent set to a new span of the same trace, the replay hop's span. Its id
 *   is derived from the item id, so a record recovered after a crash and its hop events agree.
 */

export interface ReplaySource {
  key: Uint8Array | null
  value: Uint8Array | null
  headers: unknown
  topic: string
  partition: number
  offset: bigint | string
}

export interface ReplayRecordInput {
  itemId: string
  jobId: string
  replayedBy: string
  reason: string
  editedValue: Uint8Array | null
  /** This replay's number for the dead letter (1 = first). */
  count: number
  at: Date
  source: ReplaySource
}

export interface ReplayRecord {
  record: OutgoingRecord
  archived: StoredHeader[]
  trace: { traceId: string; spanId: string; parentSpanId: string } | undefined
}

const OWN = new Set<string>(Object.values(PROVENANCE_HEADERS))

/** The replay hop's span id: 16 hex digits derived from the item id (stable across a recovery). */
export function replaySpanId(itemId: string): string {
  return createHash('sha256').update(`replay-span:${itemId}`).digest('hex').slice(0, 16)
}

const buffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

export function buildReplayRecord(input: ReplayRecordInput): ReplayRecord {
  const stored = storedHeaders(input.source)
  const archived = stored.filter((h) => isDlqHeader(h.key))
  const headers: Record<string, Buffer[]> = fromStoredHeaders(stored, (key) => !isDlqHeader(key) && !OWN.has(key.toLowerCase()))
  const set = (name: string, value: string) => (headers[name] = [Buffer.from(value)])

  set(PROVENANCE_HEADERS.replayId, input.itemId)
  set(PROVENANCE_HEADERS.jobId, input.jobId)
  set(PROVENANCE_HEADERS.count, String(input.count))
  set(PROVENANCE_HEADERS.replayedBy, input.replayedBy)
  set(PROVENANCE_HEADERS.replayedAt, input.at.toISOString())
  set(PROVENANCE_HEADERS.source, `${input.source.topic}/${input.source.partition}/${String(input.source.offset)}`)
  set(PROVENANCE_HEADERS.reason, input.reason)
  if (input.editedValue) set(PROVENANCE_HEADERS.edited, 'true')

  const original: TraceContext | undefined = traceContextOf(stored)
  let trace: ReplayRecord['trace']
  if (original) {
    const spanId = replaySpanId(input.itemId)
    set(PROVENANCE_HEADERS.originalTraceparent, original.header)
    set('traceparent', `00-${original.traceId}-${spanId}-${original.flags}`)
    trace = { traceId: original.traceId, spanId, parentSpanId: original.spanId }
  }

  const value = input.editedValue ?? input.source.value
  return {
    record: { key: input.source.key ? buffer(input.source.key) : null, value: value ? buffer(value) : null, headers },
    archived,
    trace,
  }
}
