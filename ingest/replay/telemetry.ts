import type { HopEventInput } from '../../server/domain/hop-event'
import type { ReplayRecord } from './record'

/**
 * Hop events of the replay itself, so a trace shows who replayed what, when and where to:
 * `replay.requested` (when the job was queued) and `replay.completed` (when the record was
 * produced), hop `console`, on the telemetry topic like any hop. They carry the transaction's own
 * plant, flow and origin_time: txn_summary is keyed by (plant, flow, origin_time, correlation_id),
 * and any other origin_time would start a second, phantom transaction. A dead letter the indexer
 * could not link to a transaction (no correlation id, plant, flow or origin time) gets none.
 * Event ids derive from the item id: events re-sent after a crash count once.
 */

export interface ReplayHopInput {
  itemId: string
  jobId: string
  requestedAt: Date
  producedAt: Date
  replayedBy: string
  reason: string
  edited: boolean
  idempotencyKey: string | undefined
  deadLetter: { correlationId: string | null; plantCode: string | null; flow: string | null; originTime: Date | null; topic: string; partition: number; offset: bigint }
  produced: { topic: string; partition: number; offset: string }
  trace: ReplayRecord['trace']
  workerId: string
}

export function replayHopEvents(input: ReplayHopInput): HopEventInput[] {
  const { correlationId, plantCode, flow, originTime } = input.deadLetter
  if (!correlationId || !plantCode || !flow || !originTime) return []
  const base = {
    schema_version: 1,
    correlation_id: correlationId,
    origin_time: originTime.toISOString(),
    flow,
    plant: plantCode,
    hop: 'console',
    status: 'ok' as const,
    idempotency_key: input.idempotencyKey,
    source: { system: 'linetrace', instance: input.workerId },
    replay: { replay_id: input.itemId, requested_by: input.replayedBy, reason: input.reason.slice(0, 2000), edited: input.edited || undefined },
    ...(input.trace ? { trace_id: input.trace.traceId, span_id: input.trace.spanId, parent_span_id: input.trace.parentSpanId } : {}),
  }
  const source = `${input.deadLetter.topic}/${input.deadLetter.partition}/${input.deadLetter.offset}`
  return [
    {
      ...base,
      event_id: `replay-${input.itemId}-requested`,
      event_type: 'replay.requested',
      occurred_at: input.requestedAt.toISOString(),
      attributes: { job_id: input.jobId, replay_source: source },
    },
    {
      ...base,
      event_id: `replay-${input.itemId}-completed`,
      event_type: 'replay.completed',
      occurred_at: input.producedAt.toISOString(),
      latency_ms: Math.max(0, input.producedAt.getTime() - input.requestedAt.getTime()),
      attributes: {
        job_id: input.jobId,
        replay_source: source,
        target_topic: input.produced.topic,
        target_partition: String(input.produced.partition),
        target_offset: input.produced.offset,
      },
    },
  ]
}
