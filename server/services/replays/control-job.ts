import type { Ctx } from '../../context/ctx'
import type { Prisma } from '../../db/client'
import type { DeadLetterStatus } from '../../domain/dead-letters'
import { DomainError } from '../../domain/errors'
import type { Principal } from '../../domain/permissions'
import { REPLAY_ACTIONS, type ReplayAction, type ReplayJobStatus } from '../../domain/replays'
import { audit } from '../audit/audit'
import { JOB_INCLUDE, jobView, loadJob, type JobRow, type ReplayJobView } from './job-views'
import { replayJobsChanged } from './job-signal'

/**
 * The maker/checker and control actions on a replay job: conditional updates on the job's state, so
 * two people clicking at once get one result and a clear conflict; each audited with who, when, why,
 * before and after.
 */

/**
 * Items not produced yet and not in flight (no send attempt recorded) → skipped; their dead
 * letters go back to the state they had. Items with an attempt are left to the executor, which
 * finds out whether the send reached the topic (ingest/replay/recovery.ts).
 */
export async function releasePendingItems(tx: Prisma.TransactionClient, jobId: string, why: string): Promise<number> {
  const released = await tx.$queryRawUnsafe<{ dead_letter_id: string; previous_status: DeadLetterStatus }[]>(
    `UPDATE replay_items SET status = 'skipped', error = $2, updated_at = now()
      WHERE job_id = $1 AND status = 'pending' AND attempted_at IS NULL
  RETURNING dead_letter_id, previous_status::text AS previous_status`,
    jobId,
    why,
  )
  await restoreDeadLetters(tx, released)
  if (released.length) await tx.replayJob.update({ where: { id: jobId }, data: { skipped: { increment: released.length } } })
  return released.length
}

/** replay_queued → the state each dead letter had before its job took it. */
export async function restoreDeadLetters(tx: Prisma.TransactionClient, rows: readonly { dead_letter_id: string; previous_status: DeadLetterStatus }[]): Promise<void> {
  const byStatus = new Map<DeadLetterStatus, string[]>()
  for (const r of rows) byStatus.set(r.previous_status, [...(byStatus.get(r.previous_status) ?? []), r.dead_letter_id])
  for (const [status, ids] of byStatus) await tx.deadLetter.updateMany({ where: { id: { in: ids }, status: 'replay_queued' }, data: { status } })
}

/**
 * Maker/checker needs two people, and a person is a user id: labels are free text (an API token's
 * name, an e-mail that can be reused) and the bootstrap token and worker principals have no user,
 * so they can check nobody's work, nor can the maker approve through another of their tokens.
 */
function approvalRefusal(job: JobRow, principal: Principal): string | null {
  const plants = job.plants.map((p) => p.plantCode).join(', ')
  if (!principal.userId)
    return `${principal.label} is not a person, so it cannot approve a job that needs a second person's approval: an operator or admin of plant ${plants} must approve it, signed in or with their own API token (maker/checker).`
  if (job.createdById === principal.userId)
    return `You created this job, so you cannot approve it: another operator or admin of plant ${plants} must (maker/checker).`
  return null
}

/** approve | reject | pause | resume | abort, each from the states REPLAY_ACTIONS allows. */
export async function controlReplayJob(
  { db, principal, clientAddress: ip }: Pick<Ctx, 'db' | 'principal' | 'clientAddress'>,
  { id, action, reason }: { id: string; action: ReplayAction; reason?: string },
): Promise<ReplayJobView> {
  const job = await loadJob(db, principal, id)
  const from = REPLAY_ACTIONS[action] as readonly ReplayJobStatus[]
  if (!from.includes(job.status))
    throw new DomainError('CONFLICT', `Cannot ${action} a job that is ${job.status.replace('_', ' ')}; ${action} works on ${from.map((s) => s.replace('_', ' ')).join(' or ')} jobs.`)
  const refusal = action === 'approve' ? approvalRefusal(job, principal) : null
  if (refusal) throw new DomainError('FORBIDDEN', refusal)
  if ((action === 'reject' || action === 'abort') && !reason) throw new DomainError('BAD_REQUEST', `Say why you ${action} the job: the reason goes into the audit log.`)

  const now = new Date()
  const data: Prisma.ReplayJobUpdateManyMutationInput = (() => {
    switch (action) {
      case 'approve':
        return { status: 'queued', approvedById: principal.userId, approvedByLabel: principal.label, approvedAt: now, queuedAt: now }
      case 'reject':
        return { status: 'aborted', endReason: `Rejected by ${principal.label}: ${reason}`, finishedAt: now, leaseOwner: null, leaseUntil: null }
      case 'abort':
        return { status: 'aborted', endReason: `Aborted by ${principal.label}: ${reason}`, finishedAt: now }
      case 'pause':
        return { status: 'paused' }
      case 'resume':
        // Back to the state a worker claims; it continues with the first record not produced.
        return { status: job.startedAt ? 'running' : 'queued' }
    }
  })()
  const after = await db.$transaction(async (tx) => {
    // Locks the job row: the executor marks a batch in flight under the same lock, so abort and a
    // batch never interleave (see releasePendingItems).
    const { count } = await tx.replayJob.updateMany({ where: { id, status: { in: [...from] } }, data })
    if (count !== 1) throw new DomainError('CONFLICT', `The job changed meanwhile (someone else acted on it); reload and try again.`)
    if (action === 'reject' || action === 'abort') await releasePendingItems(tx, id, `${action === 'reject' ? 'Rejected' : 'Aborted'} by ${principal.label}: ${reason}`)
    await audit(tx, {
      actor: { userId: principal.userId, label: principal.label },
      action: `replay.${action}`,
      targetType: 'replay_job',
      targetId: id,
      reason: reason ?? null,
      ip,
      before: { status: job.status },
      after: { status: data.status },
    })
    return tx.replayJob.findUniqueOrThrow({ where: { id }, include: JOB_INCLUDE })
  }, { timeout: 30_000, maxWait: 30_000 })
  replayJobsChanged()
  return jobView(after)
}
