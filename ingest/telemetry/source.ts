import type { BusRecord, TopicSpec } from '../../server/bus/port'
import type { Config } from '../../server/config'
import { decodeRecord, type Decoded, type FieldError } from './decode'

/** What one record holds: a validated hop event, or why it cannot be one (dead-lettered). */
export type RecordItem = Extract<Decoded, { ok: true }> | { ok: false; reason: string; errors: FieldError[]; dlqValue?: Buffer }

/**
 * What a telemetry pipeline reads: the telemetry topic (below), or another topic read the same way
 * (ingest/otlp/source.ts): its records become hop events through `read` (one record may hold
 * many, e.g. an OTLP request), in its own consumer group, into the same tables and DLQ.
 */
export interface RecordSource {
  /** The topic as created when missing. */
  topic: TopicSpec
  groupId: string
  /** Names the pipeline in logs. */
  name: string
  read(record: BusRecord): RecordItem | RecordItem[]
}

/** TELEMETRY_TOPIC in the ingest group: hop events as EVENT-MODEL.md puts them on the wire. */
export const telemetrySource = (config: Config): RecordSource => ({
  topic: { name: config.env.TELEMETRY_TOPIC, partitions: config.env.TELEMETRY_PARTITIONS },
  groupId: config.kafka.groupId,
  name: 'telemetry',
  read: decodeRecord,
})
