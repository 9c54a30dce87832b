import type { Prisma } from '../../db/client'
import { fromStates, transition, type DeadLetterEvent } from '../../domain/dead-letter-states'
import type { DeadLetterStatus } from '../../domain/dead-letters'
import { audit, type AuditEntry } from '../audit/audit'

/**
 * The one way a dead letter's status changes (server/domain/dead-letter-states.ts decides which
 * moves exist): a conditional update that moves the record only from the state it is expected in
 * (`from`, else any state the event starts from), so a concurrent change is never overwritten, and,
 * when it moved, its audit row in the same transaction. Pass a transaction client as `db`.
 */
export interface StateCtx {
  db: Pick<Prisma.TransactionClient, 'deadLetter' | 'auditLog'>
  principal: AuditEntry['actor']
  clientAddress?: string | null
}

export interface StateChange {
  /** One record, or many moved alike (then `audit` is left out: the caller records the batch). */
  id: string | readonly string[]
  event: DeadLetterEvent
  /** The state the caller read; required when the event starts from more than one state. */
  from?: DeadLetterStatus
  /** Other columns set with the status (assignee, resolvedAt). */
  data?: Prisma.DeadLetterUncheckedUpdateManyInput
  audit?: Pick<AuditEntry, 'action' | 'reason' | 'before' | 'after'>
}

/** Returns how many records moved and the status they moved to. */
export async function setDeadLetterState(ctx: StateCtx, change: StateChange): Promise<{ count: number; status: DeadLetterStatus }> {
  const starts = fromStates(change.event)
  const from = change.from ?? (starts.length === 1 ? starts[0]! : undefined)
  if (!from) throw new Error(`setDeadLetterState(${change.event}) needs the state the record was read in`)
  const status = transition(from, change.event)
  const ids = typeof change.id === 'string' ? [change.id] : [...change.id]
  const { count } = await ctx.db.deadLetter.updateMany({
    where: { id: ids.length === 1 ? ids[0]! : { in: ids }, status: change.from ?? { in: [...starts] } },
    data: { ...change.data, status },
  })
  if (count && change.audit && typeof change.id === 'string')
    await audit(ctx.db, { actor: ctx.principal, targetType: 'dead_letter', targetId: change.id, ip: ctx.clientAddress, ...change.audit })
  return { count, status }
}
