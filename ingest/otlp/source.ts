import type { BusRecord, TopicSpec } from '../../server/bus/port'
import type { Config } from '../../server/config'
import type { RecordItem, RecordSource } from '../telemetry/source'
import { attributeText } from './attributes'
import { decodeTraceRequest, OtlpDecodeError } from './decode'
import { createSpanMapper, type SpanMapper } from './map'
import { parseOtlpMappingConfig } from '../../server/domain/otlp-mapping'
import { otlpMetrics } from './metrics'
import { ResourceWrites, resourceOf } from './resources'
import type { OtlpSpan } from './span'

/**
 * The worker side of the OTLP receiver: `OTLP_TOPIC` read by the telemetry pipeline in a consumer
 * group of its own. A record is one accepted export request as protobuf; each span is mapped
 * (map.ts) into already validated hop events, which the pipeline batches with the same dedup
 * tokens (`lt.otlp:{partition}:{first}-{last}`), checkpoints and commit rule as hop events.
 * The resources of the mapped spans are written to otel_resources (resources.ts) as the delivery's
 * `pendingWrites`: it commits only once they are stored.
 * Unmapped spans are dead-lettered one by one (the span as JSON, with the reason); ignored ones
 * are counted. A record that does not decode (written by something else) is dead-lettered whole.
 */

/** The OTLP topic as created when missing: room for the largest accepted body, beyond Kafka's 1 MiB default. */
export function otlpTopicSpec(config: Config): TopicSpec {
  return { name: config.env.OTLP_TOPIC, partitions: config.env.TELEMETRY_PARTITIONS, maxMessageBytes: config.env.OTLP_MAX_BODY_BYTES + 64 * 1024 }
}

export function otlpRecordSource(config: Config, mapper: SpanMapper = defaultMapper(config)): RecordSource<RecordItem[]> {
  const metrics = otlpMetrics()
  const maxBytes = config.env.OTLP_MAX_BODY_BYTES
  const resources = new ResourceWrites()
  return {
    topic: otlpTopicSpec(config),
    groupId: `${config.kafka.groupId}-otlp`,
    name: 'otlp',
    read(record: BusRecord): RecordItem[] {
      let spans: OtlpSpan[]
      try {
        spans = decodeTraceRequest(record.value ?? new Uint8Array(), { contentType: 'application/x-protobuf', maxBytes }).spans
      } catch (error) {
        const reason = error instanceof OtlpDecodeError ? `otlp_${error.reason}` : 'otlp_decode'
        return [{ ok: false, reason, errors: [{ path: '', message: (error as Error).message }] }]
      }
      const items: RecordItem[] = []
      for (const span of spans) {
        const mapping = mapper(span)
        if (mapping.kind === 'hops') {
          resources.note(resourceOf(span.resource))
          for (const event of mapping.events) items.push({ ok: true, event, encoding: 'json', payloadTruncated: false })
        } else if (mapping.kind === 'ignored') {
          metrics.ignoredSpans.inc({ service: attributeText(span.resource['service.name']) ?? 'unknown' })
        } else {
          // The mapper's sentence first: what the dead letter and the admin's "last error" say.
          items.push({ ok: false, reason: `otlp_${mapping.reason}`, errors: [{ path: '', message: mapping.message }, ...mapping.errors], dlqValue: Buffer.from(spanJson(span)) })
        }
      }
      return items
    },
    pendingWrites: () => resources.take(),
  }
}

/**
 * The defaults with OTLP_DEFAULT_PLANT, for a source without the database's mapping; the worker
 * passes the admin-edited one (stored-mapping.ts), which it re-reads when an admin saves it.
 */
function defaultMapper(config: Config): SpanMapper {
  return createSpanMapper(parseOtlpMappingConfig({ defaultPlant: config.env.OTLP_DEFAULT_PLANT }))
}

/** A span for the dead-letter topic: nanosecond times as decimal text. */
function spanJson(span: OtlpSpan): string {
  return JSON.stringify(span, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))
}
