import { z } from 'zod'
import { safeText } from './text'
import { ERROR_CATEGORIES } from './hop-event'
import type { Tone } from './txn-state'

/**
 * Dead letters as people triage them (DLQ-REPLAY.md): the states, the typed filter shared by the
 * URL, the tRPC/REST inputs and the Postgres query (services/dead-letters/where.ts), and the DLQ
 * header families. Pure, so client components may import it.
 */

/** Mirrors the Prisma enum DeadLetterStatus. */
export const DEAD_LETTER_STATUSES = ['new', 'triaged', 'replay_queued', 'replayed', 'resolved', 'failed_again', 'discarded'] as const
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number]

/** States that still need a person (or a replay in flight); the rest are closed. */
export const OPEN_DEAD_LETTER_STATUSES = ['new', 'triaged', 'replay_queued', 'replayed', 'failed_again'] as const satisfies readonly DeadLetterStatus[]
/** States a replay may start from. */
export const REPLAYABLE_DEAD_LETTER_STATUSES = ['new', 'triaged', 'failed_again'] as const satisfies readonly DeadLetterStatus[]

export const DEAD_LETTER_STATUS_INFO: Readonly<Record<DeadLetterStatus, { label: string; tone: Tone; icon: string; description: string }>> = {
  new: { label: 'new', tone: 'bad', icon: '✕', description: 'Dead-lettered, nobody has looked at it yet.' },
  triaged: { label: 'triaged', tone: 'warn', icon: '✎', description: 'Assigned or commented; waiting for a fix or a replay.' },
  replay_queued: { label: 'replay queued', tone: 'neutral', icon: '⏵', description: 'In a replay job that has not produced it yet.' },
  replayed: { label: 'replayed', tone: 'ok', icon: '↺', description: 'Replay produced; waiting for telemetry to confirm the posting.' },
  resolved: { label: 'resolved', tone: 'ok', icon: '✓', description: 'Telemetry confirmed the transaction posted after the replay.' },
  failed_again: { label: 'failed again', tone: 'bad', icon: '⟲', description: 'Replayed, then dead-lettered again (see the newer dead letter).' },
  discarded: { label: 'discarded', tone: 'neutral', icon: '⊘', description: 'Closed without a replay, with a reason.' },
}

/** Record age bounds for the "age" facet (how long ago it was dead-lettered). */
export const DEAD_LETTER_AGES = {
  '1h': 3_600_000,
  '4h': 4 * 3_600_000,
  '24h': 24 * 3_600_000,
  '3d': 3 * 24 * 3_600_000,
  '7d': 7 * 24 * 3_600_000,
} as const
export type DeadLetterAge = keyof typeof DEAD_LETTER_AGES

const facet = (max: number) => z.string().trim().min(1).max(max)

/**
 * The one filter model for dead letters. `plants` is not here: callers pass the plant scope they
 * resolved on the server (the caller's plants narrowed by the request).
 */
export const deadLetterFilterSchema = z.object({
  flow: z.array(facet(64)).max(20).optional(),
  category: z.array(z.enum([...ERROR_CATEGORIES, 'unknown'])).max(10).optional(),
  errorCode: z.array(facet(64)).max(50).optional(),
  status: z.array(z.enum(DEAD_LETTER_STATUSES)).max(DEAD_LETTER_STATUSES.length).optional(),
  /** Only records dead-lettered longer ago than this. */
  olderThan: z.enum(Object.keys(DEAD_LETTER_AGES) as [DeadLetterAge, ...DeadLetterAge[]]).optional(),
  /** A user id, or 'unassigned'. */
  assignee: facet(64).optional(),
  fingerprint: facet(128).optional(),
  topic: facet(249).optional(),
  /** Group facets (issue 19): the material business key, the failing consumer group. */
  material: facet(64).optional(),
  consumerGroup: facet(256).optional(),
  /** Dead-lettered (record timestamp) in [from, to). */
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  /** Free text over the error message, code, correlation id and business keys. */
  q: safeText(200).trim().optional(),
})
export type DeadLetterFilter = z.infer<typeof deadLetterFilterSchema>

/**
 * DLQ context header families (DLQ-REPLAY.md "Produce"): stripped from a replayed record and
 * archived in the audit record instead.
 */
export const DLQ_HEADER_PREFIXES = ['kafka_dlt-', '__connect.errors.', '__streams.errors.', 'dead-letter-', 'retry_topic-', 'x-dlq-', 'x-lt-dlq-', 'x-lt-original-'] as const

export function isDlqHeader(name: string): boolean {
  const lower = name.toLowerCase()
  return DLQ_HEADER_PREFIXES.some((p) => lower.startsWith(p))
}

/**
 * How a dead letter's Kafka headers are stored (DeadLetter.headers, JSON): every header in record
 * order, repeated keys kept (the last occurrence is the latest failure), values as base64 of the
 * exact bytes, so a replay re-produces the business headers byte for byte and binary DLQ headers
 * (Spring's big-endian ints) survive. `text` is a UTF-8 rendering for people, absent when the bytes
 * are not valid UTF-8.
 */
export const storedHeaderSchema = z.object({ key: z.string(), value: z.string(), text: z.string().optional() })
export const storedHeadersSchema = z.array(storedHeaderSchema)
export type StoredHeader = z.infer<typeof storedHeaderSchema>

/**
 * Where a dead letter failed, beyond topic/partition/offset (#19 item 6): Kafka Connect's connector,
 * task, stage and executing class; Spring's (or the hub's) consumer group and original record time;
 * Kafka Streams' processor node. Fields a convention does not carry are null.
 */
export interface DeadLetterSource {
  connector: string | null
  task: string | null
  stage: string | null
  class: string | null
  consumerGroup: string | null
  originalTimestamp: Date | null
  processorNode: string | null
}

/** One compact line for lists: "connector erp-sink · task 1 · VALUE_CONVERTER", "group erp-posting", "node KSTREAM-MAP-0000000002". */
export function sourceSummary(s: Pick<DeadLetterSource, 'connector' | 'task' | 'stage' | 'consumerGroup' | 'processorNode'>): string | null {
  const parts = s.connector
    ? [`connector ${s.connector}`, s.task !== null ? `task ${s.task}` : null, s.stage]
    : [s.processorNode ? `node ${s.processorNode}` : null, s.consumerGroup ? `group ${s.consumerGroup}` : null]
  const shown = parts.filter((p): p is string => !!p)
  return shown.length ? shown.join(' · ') : null
}

/** Headers whose values are big-endian binary numbers (Spring's DeadLetterPublishingRecoverer). */
const NUMERIC_HEADERS: Readonly<Record<string, 'int32' | 'int64' | 'time'>> = {
  'kafka_dlt-original-partition': 'int32',
  'kafka_dlt-original-offset': 'int64',
  'kafka_dlt-original-timestamp': 'time',
}

/** Control characters other than tab and newlines: such "text" is binary that happens to be valid UTF-8. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/

/**
 * A header value for people: known numeric headers of 4/8 bytes as their big-endian number (a time
 * also as ISO 8601), other valid UTF-8 without control characters as text, else null (show the raw
 * bytes). `text` is the stored UTF-8 rendering (absent when not valid UTF-8).
 */
export function headerDisplay(key: string, bytes: Uint8Array, text: string | null): { shown: string; as: 'int32' | 'int64' | 'time' | 'text' } | null {
  const kind = NUMERIC_HEADERS[key]
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (kind === 'int32' && bytes.length === 4) return { shown: String(view.getInt32(0)), as: kind }
  if ((kind === 'int64' || kind === 'time') && bytes.length === 8) {
    const n = view.getBigInt64(0)
    const ms = Number(n)
    const iso = kind === 'time' && Number.isSafeInteger(ms) && Math.abs(ms) < 8.64e15 ? ` (${new Date(ms).toISOString()})` : ''
    return { shown: `${n}${iso}`, as: kind }
  }
  if (text !== null && !CONTROL.test(text)) return { shown: text, as: 'text' }
  return null
}
