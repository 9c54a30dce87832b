import type { Ctx } from '../../context/ctx'
import type { ReplayItemStatus, ReplayJobStatus } from '../../domain/replays'
import { pageArgs, pageOf } from '../paging/cursor'
import { JOB_INCLUDE, jobView, loadJob, visibleWhere, type ReplayItemView, type ReplayJobView } from './job-views'

/** The job list and one job with a page of its items, as the console and the REST API read them. */

export interface ListOptions {
  status?: ReplayJobStatus[]
  plant?: string
  limit?: number
  cursor?: string
}

export async function listReplayJobs({ db, principal }: Pick<Ctx, 'db' | 'principal'>, opts: ListOptions = {}): Promise<{ jobs: ReplayJobView[]; nextCursor: string | null }> {
  const limit = opts.limit ?? 50
  const rows = await db.replayJob.findMany({
    where: {
      AND: [
        visibleWhere(principal),
        opts.status?.length ? { status: { in: opts.status } } : {},
        opts.plant ? { plants: { some: { plantCode: opts.plant } } } : {},
      ],
    },
    include: JOB_INCLUDE,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    ...pageArgs(limit, opts.cursor),
  })
  const { page, nextCursor } = pageOf(rows, limit)
  return { jobs: page.map(jobView), nextCursor }
}

export interface ItemOptions {
  id: string
  status?: ReplayItemStatus[]
  limit?: number
  cursor?: string
}

export async function getReplayJob(
  { db, principal }: Pick<Ctx, 'db' | 'principal'>,
  opts: ItemOptions,
): Promise<{ job: ReplayJobView; items: ReplayItemView[]; nextCursor: string | null }> {
  const { id } = opts
  const job = await loadJob(db, principal, id)
  const limit = opts.limit ?? 100
  const rows = await db.replayItem.findMany({
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
    ...pageArgs(limit, opts.cursor),
  })
  const { page, nextCursor } = pageOf(rows, limit)
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
    nextCursor,
  }
}

