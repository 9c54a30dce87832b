import type { GoodsMovementMessage } from '../../server/domain/flow-messages'
import type { HopError } from '../../server/domain/hop-event'
import { emitAt, settle, type HubCore, type Txn } from './core'
import { deadLetterRecord, type DeadLetterReason } from './dlq'

/**
 * The hub's last step for a message it gives up on: the dead-letter record (in the plant's DLQ
 * convention, dlq.ts) written at `t`, and — unless only part of a posting failed — the trace's
 * `erp.posting_dead_lettered` hop.
 */
export function deadLetter(hub: HubCore, tx: Txn, t: number, error: HopError, reason: DeadLetterReason, replacement?: GoodsMovementMessage): void {
  const { plant, topics } = tx
  settle(hub, tx, t)
  hub.deps.sched.at(t, (at) => {
    const record = deadLetterRecord({
      topics,
      original: tx.record,
      groupId: hub.deps.groupId,
      error,
      reason,
      attempts: Math.max(1, tx.attempt),
      firstFailedAt: tx.firstFailedAt ?? at,
      deadLetteredAt: at,
      flow: tx.trail.ctx.flow,
      hubInstance: plant.instances.hub,
      value: replacement ? Buffer.from(JSON.stringify(replacement)) : undefined,
      headers: replacement ? { idempotency_key: replacement.idempotency_key, 'x-message-type': 'GoodsMovement' } : undefined,
    })
    hub.stats.deadLettered[reason]++
    hub.deps.out.add(topics.dlq, record, (dlq) =>
      hub.deps.onDeadLetter?.({ plant, topics, dlq, record, error, reason, at, message: replacement ?? tx.msg }),
    )
  })
  // A partial posting is not parked as a whole: its trace ends "partial", only the movement waits in the DLQ.
  if (reason === 'partial') return
  emitAt(hub, tx, {
    type: 'erp.posting_dead_lettered',
    hop: 'hub',
    system: 'hub',
    status: 'dead_lettered',
    at: t,
    attempt: Math.max(1, tx.attempt),
    error,
    attributes: { dlq_topic: topics.dlq, dlq_convention: topics.convention, dead_letter_reason: reason },
  })
}
