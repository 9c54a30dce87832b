import { randomUUID } from 'node:crypto'
import type { Prisma, PrismaClient } from '../../db/client'
import { isUniqueViolation } from '../../db/client'
import type { DeadLetterStatus } from '../../domain/dead-letters'
import type { Principal } from '../../domain/permissions'
import { REPLAY_ACTIONS, type DryRunReport, type ReplayAction, type ReplayItemStatus, type ReplayJobStatus } from '../../domain/replays'
import { audit } from '../audit'
import { DomainError } from '../errors'
import { dryRunReplay, type ReplayDeps } from './dry-run'
import { fromStates } from '../../domain/dead-letter-states'

/**
 * Replay jobs in Postgres: creation from a dry run, the maker/checker and control actions, and the
 * views the console and the REST API show. The guards live in the database, not in memory:
 * - creation moves each dead letter new|triaged|failed_again → replay_queued with one conditional
 *   UPDATE that locks the rows (a concurrent request re-checks after the lock and gets nothing);
 * - a partial unique index allows one pending item per dead letter across all jobs, the net under it;
 * - actions are conditional updates on the job's state, so two people clicking at once get one
 *   result and a clear conflict.
 * Every action is audited with who, when, why, before and after.
 */

export type AuditActor = Pick<Principal, 'userId' | 'label'>

export interface ReplayJobView {
  id: string
  status: ReplayJobStatus
  plants: string[]
  createdBy: string
  createdById: string | null
  approvedBy: string | null
  approvedAt: Date | null
  reason: string
  forced: boolean
  forceReason: string | null
  edited: boolean
  approvalRequired: boolean
  ratePerSecond: number
  total: number
  succeeded: number
  failed: number
  skipped: number
  remaining: number
  /** Seconds left at the job's rate while it is queued or running. */
  etaSeconds: number | null
  lastError: string | null
  endReason: string | null
  createdAt: Date
  queuedAt: Date | null
  startedAt: Date | null
  finishedAt: Date | null
  updatedAt: Date
}

export interface ReplayItemView {
  id: string
  deadLetterId: string
  status: ReplayItemStatus
  targetTopic: string
  producedPartition: number | null
  /** 64-bit: a decimal string. */
  producedOffset: string | null
  producedAt: Date | null
  error: string | null
  edited: boolean
  diff: unknown
  duplicateRisk: boolean
  orderingRisk: boolean
  deadLetter: {
    status: DeadLetterStatus
    correlationId: string | null
    originTime: Date | null
    plant: string | null
    flow: string | null
    errorCode: string | null
    recordTimestamp: Date
    resolvedAt: Date | null
    topic: string
    partition: number
    offset: string
  }
}

const JOB_INCLUDE = { plants: { select: { plantCode: true } } } satisfies Prisma.ReplayJobInclude
type JobRow = Prisma.ReplayJobGetPayload<{ include: typeof JOB_INCLUDE }>

export function jobView(job: JobRow): ReplayJobView {
  const remaining = Math.max(0, job.total - job.succeeded - job.failed - job.skipped)
  const active = job.status === 'queued' || job.status === 'running'
  return {
    id: job.id,
    status: job.status,
    plants: job.plants.map((p) => p.plantCode).sort(),
    createdBy: job.createdByLabel,
    createdById: job.createdById,
    approvedBy: job.approvedByLabel,
    approvedAt: job.approvedAt,
    reason: job.reason,
    forced: job.forced,
    forceReason: job.forceReason,
    edited: job.edited,
    approvalRequired: job.approvalRequired,
    ratePerSecond: job.ratePerSecond,
    total: job.total,
    succeeded: job.succeeded,
    failed: job.failed,
    skipped: job.skipped,
    remaining,
    etaSeconds: active ? Math.ceil(remaining / job.ratePerSecond) : null,
    lastError: job.lastError,
    endReason: job.endReason,
    createdAt: job.createdAt,
    queuedAt: job.queuedAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    updatedAt: job.updatedAt,
  }
}

/** A job is the caller's when every plant it touches is theirs ('' = unknown plant: admins only). */
function visibleTo(principal: Principal, plants: readonly string[]): boolean {
  return principal.plants === 'all' || plants.every((p) => p !== '' && principal.plants.includes(p))
}

function visibleWhere(principal: Principal): Prisma.ReplayJobWhereInput {
  return principal.plants === 'all' ? {} : { plants: { every: { plantCode: { in: [...principal.plants] } } } }
}

async function loadJob(prisma: PrismaClient, principal: Principal, id: string): Promise<JobRow> {
  const job = await prisma.replayJob.findUnique({ where: { id }, include: JOB_INCLUDE })
  // Out-of-scope and unknown jobs look alike: the answer does not reveal which jobs exist.
  if (!job || !visibleTo(principal, job.plants.map((p) => p.plantCode))) throw new DomainError('NOT_FOUND', `Replay job ${id} does not exist or is not in your plants.`)
  return job
}

export interface CreatedJob {
  job: ReplayJobView
  report: DryRunReport
  /** Records the dry run offered that another request took first. */
  takenElsewhere: string[]
}

/** Dry run, then the job with exactly the records the dry run found replayable (see the file comment). */
export async function createReplayJob(deps: ReplayDeps, principal: Principal, input: unknown, ip: string | null = null): Promise<CreatedJob> {
  const { request, report, items } = await dryRunReplay(deps, principal, input, 'replays.create')
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
    return await deps.prisma.$transaction(
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

function samePerson(job: JobRow, principal: Principal): boolean {
  if (job.createdById && principal.userId) return job.createdById === principal.userId
  return job.createdByLabel === principal.label
}

/** approve | reject | pause | resume | abort, each from the states REPLAY_ACTIONS allows. */
export async function controlReplayJob(
  prisma: PrismaClient,
  principal: Principal,
  id: string,
  action: ReplayAction,
  reason?: string,
  ip: string | null = null,
): Promise<ReplayJobView> {
  const job = await loadJob(prisma, principal, id)
  const from = REPLAY_ACTIONS[action] as readonly ReplayJobStatus[]
  if (!from.includes(job.status))
    throw new DomainError('CONFLICT', `Cannot ${action} a job that is ${job.status.replace('_', ' ')}; ${action} works on ${from.map((s) => s.replace('_', ' ')).join(' or ')} jobs.`)
  if (action === 'approve' && samePerson(job, principal))
    throw new DomainError('FORBIDDEN', `You created this job, so you cannot approve it: another operator or admin of plant ${job.plants.map((p) => p.plantCode).join(', ')} must (maker/checker).`)
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
  const after = await prisma.$transaction(async (tx) => {
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
  return jobView(after)
}

export interface ListOptions {
  status?: ReplayJobStatus[]
  plant?: string
  limit?: number
  cursor?: string
}

export async function listReplayJobs(prisma: PrismaClient, principal: Principal, opts: ListOptions = {}): Promise<{ jobs: ReplayJobView[]; nextCursor: string | null }> {
  const limit = opts.limit ?? 50
  const rows = await prisma.replayJob.findMany({
    where: {
      AND: [
        visibleWhere(principal),
        opts.status?.length ? { status: { in: opts.status } } : {},
        opts.plant ? { plants: { some: { plantCode: opts.plant } } } : {},
      ],
    },
    include: JOB_INCLUDE,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
    ...(opts.cursor ? { cursor: { id: opts.cursor }, skip: 1 } : {}),
  })
  const page = rows.slice(0, limit)
  return { jobs: page.map(jobView), nextCursor: rows.length > limit ? page.at(-1)!.id : null }
}

export interface ItemOptions {
  status?: ReplayItemStatus[]
  limit?: number
  cursor?: string
}

export async function getReplayJob(
  prisma: PrismaClient,
  principal: Principal,
  id: string,
  opts: ItemOptions = {},
): Promise<{ job: ReplayJobView; items: ReplayItemView[]; nextCursor: string | null }> {
  const job = await loadJob(prisma, principal, id)
  const limit = opts.limit ?? 100
  const rows = await prisma.replayItem.findMany({
    where: { jobId: id, ...(opts.status?.length ? { status: { in: opts.status } } : {}) },
    include: {
      deadLetter: {
        select: {
          status: true,
          correlationId: true,
          originTime: true,
          plantCode: true,
          flow: true,
          errorCode: true,
          recordTimestamp: true,
          resolvedAt: true,
          topic: true,
          partition: true,
          offset: true,
        },
      },
    },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: limit + 1,
    ...(opts.cursor ? { cursor: { id: opts.cursor }, skip: 1 } : {}),
  })
  const page = rows.slice(0, limit)
  return {
    job: jobView(job),
    items: page.map((i) => ({
      id: i.id,
      deadLetterId: i.deadLetterId,
      status: i.status,
      targetTopic: i.targetTopic,
      producedPartition: i.producedPartition,
      producedOffset: i.producedOffset?.toString() ?? null,
      producedAt: i.producedAt,
      error: i.error,
      edited: i.editedValue !== null,
      diff: i.diff,
      duplicateRisk: i.duplicateRisk,
      orderingRisk: i.orderingRisk,
      deadLetter: {
        status: i.deadLetter.status,
        correlationId: i.deadLetter.correlationId,
        originTime: i.deadLetter.originTime,
        plant: i.deadLetter.plantCode,
        flow: i.deadLetter.flow,
        errorCode: i.deadLetter.errorCode,
        recordTimestamp: i.deadLetter.recordTimestamp,
        resolvedAt: i.deadLetter.resolvedAt,
        topic: i.deadLetter.topic,
        partition: i.deadLetter.partition,
        offset: i.deadLetter.offset.toString(),
      },
    })),
    nextCursor: rows.length > limit ? page.at(-1)!.id : null,
  }
}
