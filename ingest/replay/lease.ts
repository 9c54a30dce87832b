import type { Prisma } from '../../server/db/client'
import type { Job, Runner } from './runner'

/**
 * The executor's claim on a job: a lease in the job row (a conditional update: one worker only;
 * renewed while it runs; a dead worker's lease expires and another worker resumes the job).
 */

const leaseFree = (r: Runner, now: Date): Prisma.ReplayJobWhereInput => ({ OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }, { leaseOwner: r.workerId }] })

/** A queued or running job, or a paused/aborted one with items in flight at a dead worker. */
export async function claimJob(r: Runner): Promise<Job | undefined> {
  const { db } = r.ctx
  const now = new Date()
  const candidates = await db.replayJob.findMany({
    where: {
      AND: [
        leaseFree(r, now),
        { OR: [{ status: { in: ['queued', 'running'] } }, { status: { in: ['paused', 'aborted'] }, items: { some: { status: 'pending', attemptedAt: { not: null } } } }] },
      ],
    },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: 5,
  })
  for (const c of candidates) {
    const { count } = await db.replayJob.updateMany({
      where: { AND: [{ id: c.id, status: c.status }, leaseFree(r, now)] },
      data: {
        leaseOwner: r.workerId,
        leaseUntil: new Date(now.getTime() + r.leaseMs),
        ...(c.status === 'queued' ? { status: 'running', startedAt: c.startedAt ?? now } : {}),
      },
    })
    if (count === 1) return db.replayJob.findUniqueOrThrow({ where: { id: c.id } })
  }
  return undefined
}

export async function releaseLease(r: Runner, jobId: string): Promise<void> {
  await r.ctx.db.replayJob.updateMany({ where: { id: jobId, leaseOwner: r.workerId }, data: { leaseOwner: null, leaseUntil: null } })
}

/** Keeps the claim alive while this process works on the job, also during a long send. */
export function keepLease(r: Runner, jobId: string): { lost: () => boolean; stop: () => void } {
  let lost = false
  const timer = setInterval(() => {
    r.ctx.db.replayJob
      .updateMany({ where: { id: jobId, leaseOwner: r.workerId }, data: { leaseUntil: new Date(Date.now() + r.leaseMs) } })
      .then(({ count }) => {
        if (count === 0) lost = true
      })
      .catch((error: unknown) => r.log.warn({ err: error, jobId }, 'could not renew the replay job lease'))
  }, Math.max(250, Math.floor(r.leaseMs / 3)))
  timer.unref()
  return { lost: () => lost, stop: () => clearInterval(timer) }
}
