import { ERROR_CATEGORIES, type HopEventInput } from '../../server/domain/hop-event'
import type { DeadLetterRow } from './row'

/**
 * The `dead_lettered` hop of an indexed dead letter (hop `dlq`), so a trace shows where the record
 * is parked and why. Only for dead letters linked to a transaction (correlation id, plant, flow and
 * origin time: txn_summary is keyed by them). The event id derives from the DLQ coordinates, so a
 * re-indexed record counts once.
 */
export function deadLetterHopEvents(r: DeadLetterRow): HopEventInput[] {
  if (!r.correlationId || !r.plantCode || !r.flow || !r.originTime) return []
  const category = (ERROR_CATEGORIES as readonly string[]).includes(r.errorCategory ?? '') ? (r.errorCategory as (typeof ERROR_CATEGORIES)[number]) : undefined
  const keys = r.businessKeys as Record<string, string>
  return [
    {
      event_id: `dlq-${r.topic}-${r.partition}-${String(r.offset)}`.slice(0, 128),
      event_type: 'dlq.record_indexed',
      occurred_at: (r.recordTimestamp as Date).toISOString(),
      origin_time: (r.originTime as Date).toISOString(),
      correlation_id: r.correlationId,
      flow: r.flow,
      hop: 'dlq',
      status: 'dead_lettered',
      plant: r.plantCode,
      source: { system: 'linetrace', instance: 'dlq-indexer' },
      business: { work_order: keys.work_order, lot: keys.lot, material: keys.material },
      ...(category ? { error: { category, code: r.errorCode ?? 'UNKNOWN', text: (r.errorMessage ?? r.errorClass ?? 'dead-lettered').slice(0, 4000), retryable: false } } : {}),
      attributes: {
        dlq_topic: r.topic,
        dlq_partition: String(r.partition),
        dlq_offset: String(r.offset),
        dlq_convention: r.convention,
        ...(r.sourceTopic ? { source_topic: r.sourceTopic } : {}),
        ...(r.consumerGroup ? { consumer_group: r.consumerGroup } : {}),
      },
    },
  ]
}
