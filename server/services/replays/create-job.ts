import { randomUUID } from 'node:crypto'
import type { Prisma } from '../../db/client'
import { isUniqueViolation } from '../../db/client'
import { fromStates } from '../../domain/dead-letter-states'
import type { DeadLetterStatus } from '../../domain/dead-letters'
import { DomainError } from '../../domain/errors'
import type { DryRunReport, ReplayJobStatus } from '../../domain/replays'
import { audit } from '../audit/audit'
import { dryRunReplay, type ReplayCtx } from './dry-run'
import { JOB_INCLUDE, jobView, type ReplayJobView } from './job-views'
import { replayJobsChanged } from './job-signal'

/**
 * Replay jobs in Postgres: creation from a dry run here; the maker/checker and control actions in
 * control-job.ts, the views in job-views.ts and list-jobs.ts. The guards live in the database, not in memory:
 * - creation moves each dead letter new|triaged|failed_again → replay_queued with one conditional
 *   UPDATE that locks the rows (a concurrent request re-checks after the lock and gets nothing);
 * - a partial unique index allows one pending item per dead letter across all jobs, the net under it;
 * - actions are conditional updates on the job's state, so two people clicking at once get one
 *   result and a clear conflict.
 * Every action is audited with who, when, why, before and after.
 */

export interface CreatedJob {
  job: ReplayJobView
  report: DryRunReport
  /** Records the dry run offered that another request took first. */
  takenElsewhere: string[]
}

/** Dry run, then the job with exactly the records the dry run found replayable (see the file comment). */
export async function createReplayJob(ctx: ReplayCtx, input: unknown): Promise<CreatedJob> {
  const { principal, clientAddress: ip } = ctx
  const { request, report, items } = await dryRunReplay(ctx, input)
  if (!request.reason) throw new DomainError('BAD_REQUEST', 'A replay needs a reason (what was fixed, who asked): it goes into the audit log and the replayed records.')
  if (!items.length) {
    const why = [...new Set(report.notReplayable.map((n) => n.detail))].slice(0, 3).join(' ')
    throw new DomainError('CONFLICT', `Nothing to replay: none of the ${report.selected} selected dead letters can be replayed now. ${why}`.trim())
  }
  const status: ReplayJobStatus = report.approval.required ? 'awaiting_approval' : 'queued'
  const rate = report.ratePerSecond
  const forced = items.filter((i) => i.duplicateRisk)
  if (forced.length && !request.forceReason)
    throw new DomainError('BAD_REQUEST', `Forcing ${forced.length} already-posted record(s) past the idempotency guard needs its own reason (forceReason): it is audited apart from the job's reason.`)
  const edited = items.filter((i) => i.edit)

  try {
    const created = await ctx.db.$transaction(
      async (tx) => {
        const claimed = await claimDeadLetters(tx, items.map((i) => i.deadLetterId))
        const previous = new Map(claimed.map((c) => [c.id, c.previous]))
        const kept = items.filter((i) => previous.has(i.deadLetterId))
        const takenElsewhere = items.filter((i) => !previous.has(i.deadLetterId)).map((i) => i.deadLetterId)
        if (!kept.length)
          throw new DomainError('CONFLICT', 'These dead letters were just queued for replay by another request (or changed state); nothing was created. Reload to see their state.')
        const now = new Date()
        const job = await tx.replayJob.create({
          data: {
            status,
            createdById: principal.userId,
            createdByLabel: principal.label,
            reason: request.reason!,
            selection: {
              requested: request.deadLetterIds ? { deadLetterIds: request.deadLetterIds } : { filter: JSON.parse(JSON.stringify(request.filter)) as Prisma.InputJsonValue },
              snapshot: kept.map((i) => i.deadLetterId),
              takenElsewhere,
              targetTopic: request.targetTopic ?? null,
            },
            ratePerSecond: rate,
            forced: forced.length > 0,
            forceReason: forced.length ? request.forceReason! : null,
            edited: edited.length > 0,
            approvalRequired: report.approval.required,
            total: kept.length,
            queuedAt: status === 'queued' ? now : null,
            plants: { create: [...new Set(kept.map((i) => i.plant ?? ''))].map((plantCode) => ({ plantCode })) },
          },
          include: JOB_INCLUDE,
        })
        await tx.replayItem.createMany({
          data: kept.map((i) => ({
            id: randomUUID(),
            jobId: job.id,
            deadLetterId: i.deadLetterId,
            targetTopic: i.targetTopic,
            previousStatus: previous.get(i.deadLetterId)!,
            duplicateRisk: i.duplicateRisk,
            orderingRisk: i.orderingRisk,
            editedValue: i.edit ? Buffer.from(i.edit.value) : null,
            diff: i.edit ? (i.edit.patch as unknown as Prisma.InputJsonValue) : undefined,
          })),
        })
        const actor = { userId: principal.userId, label: principal.label }
        await audit(tx, {
          actor,
          action: 'replay.create',
          targetType: 'replay_job',
          targetId: job.id,
          reason: request.reason,
          ip,
          after: { status, records: kept.length, byTarget: report.byTarget, ratePerSecond: rate, approvalRequired: report.approval.required, takenElsewhere: takenElsewhere.length },
        })
        const keptIds = new Set(kept.map((i) => i.deadLetterId))
        if (forced.some((i) => keptIds.has(i.deadLetterId)))
          await audit(tx, {
            actor,
            action: 'replay.force',
            targetType: 'replay_job',
            targetId: job.id,
            reason: request.forceReason,
            ip,
            after: { deadLetterIds: forced.filter((i) => keptIds.has(i.deadLetterId)).map((i) => i.deadLetterId) },
          })
        for (const i of edited.filter((e) => keptIds.has(e.deadLetterId)))
          await audit(tx, {
            actor,
            action: 'replay.edit',
            targetType: 'dead_letter',
            targetId: i.deadLetterId,
            reason: request.reason,
            ip,
            before: { value: i.edit!.original },
            after: { value: i.edit!.value, patch: i.edit!.patch, jobId: job.id },
          })
        return { job: jobView(job), report, takenElsewhere }
      },
      { timeout: 60_000, maxWait: 30_000 },
    )
    if (created.job.status === 'queued') replayJobsChanged()
    return created
  } catch (error) {
    // The partial unique index: another job holds one of these records open right now.
    if (isUniqueViolation(error)) throw new DomainError('CONFLICT', 'One of these dead letters is already in another replay job; nothing was created. Reload to see their state.')
    throw error
  }
}

/** The states a replay may take a dead letter from (dead-letter-states.ts), as SQL literals of our own constants. */
const QUEUEABLE_SQL = fromStates('queue_replay')
  .map((s) => `'${s}'`)
  .join(', ')

/**
 * new|triaged|failed_again → replay_queued, for the rows still in such a state. FOR UPDATE makes
 * a concurrent request wait for this one and re-check the state afterwards (it then finds the rows
 * replay_queued and claims none). Returns each claimed row with the state it had.
 */
async function claimDeadLetters(tx: Prisma.TransactionClient, ids: string[]): Promise<{ id: string; previous: DeadLetterStatus }[]> {
  return tx.$queryRawUnsafe<{ id: string; previous: DeadLetterStatus }[]>(
    `UPDATE dead_letters AS d SET status = 'replay_queued', updated_at = now()
       FROM (SELECT id, status FROM dead_letters
              WHERE id = ANY($1::text[]) AND status IN (${QUEUEABLE_SQL})
              FOR UPDATE) AS prev
      WHERE d.id = prev.id
  RETURNING d.id, prev.status::text AS previous`,
    ids,
  )
}
