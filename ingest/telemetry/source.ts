import type { BusRecord, TopicSpec } from '../../server/bus/port'
import type { ClickHouse } from '../../server/clickhouse/client'
import type { Config } from '../../server/config'
import { isoMs } from '../../server/domain/iso-time'
import { decodeRecord, type Decoded, type FieldError } from './decode'

/** What one record holds: a validated hop event, or why it cannot be one (dead-lettered). */
export type RecordItem = Extract<Decoded, { ok: true }> | { ok: false; reason: string; errors: FieldError[]; dlqValue?: Buffer }

/**
 * The hops of one record (an OTLP export request holds many) in the order they happened: without
 * an explicit origin, a transaction's origin is the time of its first hop seen (normalise.ts), and
 * an exporter writes a consumer's span before the producer span it continues (spans end in that
 * order). In export order, the consumer's time would be the transaction's origin.
 */
export function inOccurrenceOrder(items: readonly RecordItem[]): RecordItem[] {
  // Each time parsed once, not once per comparison: a request holds up to hundreds of spans.
  const timed = items.map((item) => ({ item, at: item.ok ? isoMs(item.event.occurred_at) : 0 }))
  return timed.sort((a, b) => a.at - b.at).map((t) => t.item)
}

/**
 * What a telemetry pipeline reads: the telemetry topic (below), or another topic read the same way
 * (ingest/otlp/source.ts): its records become hop events through `read` (one record may hold
 * many, e.g. an OTLP request), in its own consumer group, into the same tables and DLQ.
 */
export interface RecordSource<Read extends RecordItem | RecordItem[] | Promise<RecordItem | RecordItem[]> = RecordItem | RecordItem[] | Promise<RecordItem | RecordItem[]>> {
  /** Our own topic, created when missing and read from its beginning; or someone else's (a tap's). */
  topic: TopicSpec | TappedTopics
  groupId: string
  /** Names the pipeline in logs. */
  name: string
  /** A Promise only where the mapping is asynchronous (a tap's JSONata): the others stay off the microtask queue. */
  read(record: BusRecord): Read
  /** Called with each delivery before its records are read (a tap recalls stored origins there). */
  prepare?(records: readonly BusRecord[]): Promise<void>
  /**
   * Called once a delivery's records are read: what they need stored beside their rows (OTLP: the
   * spans' resources, ingest/otlp/resources.ts), or undefined. The delivery commits only after it
   * resolved; it is retried like the rows' inserts.
   */
  pendingWrites?(): ((ch: ClickHouse) => Promise<void>) | undefined
}

/**
 * Topics a plant already has (ingest/taps/): subscribed as they are, never created, never produced
 * to (the pipeline produces only to the DLQ, which a tap's subscription never includes).
 */
export interface TappedTopics {
  /** For logs: the tap's topic as declared (a name, or `/regex/`). */
  name: string
  subscribe: string[] | RegExp
  /** Where the group starts when it has no commits (a start time is committed before, see startGroupAtTime). */
  fromBeginning: boolean
}

/** TELEMETRY_TOPIC in the ingest group: hop events as EVENT-MODEL.md puts them on the wire. */
export const telemetrySource = (config: Config): RecordSource => ({
  topic: { name: config.env.TELEMETRY_TOPIC, partitions: config.env.TELEMETRY_PARTITIONS },
  groupId: config.kafka.groupId,
  name: 'telemetry',
  read: decodeRecord,
})
