import type { Prisma, PrismaClient } from '../../db/client'
import type { DeadLetterStatus } from '../../domain/dead-letters'
import { DomainError } from '../../domain/errors'
import type { Principal } from '../../domain/permissions'
import type { ReplayItemStatus, ReplayJobStatus } from '../../domain/replays'

/** Replay jobs and items as the console and the REST API show them, and who may see which job. */

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

export const JOB_INCLUDE = { plants: { select: { plantCode: true } } } satisfies Prisma.ReplayJobInclude
export type JobRow = Prisma.ReplayJobGetPayload<{ include: typeof JOB_INCLUDE }>

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
export function visibleTo(principal: Principal, plants: readonly string[]): boolean {
  return principal.plants === 'all' || plants.every((p) => p !== '' && principal.plants.includes(p))
}

export function visibleWhere(principal: Principal): Prisma.ReplayJobWhereInput {
  return principal.plants === 'all' ? {} : { plants: { every: { plantCode: { in: [...principal.plants] } } } }
}

export async function loadJob(db: PrismaClient, principal: Principal, id: string): Promise<JobRow> {
  const job = await db.replayJob.findUnique({ where: { id }, include: JOB_INCLUDE })
  // Out-of-scope and unknown jobs look alike: the answer does not reveal which jobs exist.
  if (!job || !visibleTo(principal, job.plants.map((p) => p.plantCode))) throw new DomainError('NOT_FOUND', `Replay job ${id} does not exist or is not in your plants.`)
  return job
}
