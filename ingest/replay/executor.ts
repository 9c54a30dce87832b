import { randomUUID } from 'node:crypto'
import { sleep } from '../../server/retry'
import type { BusProducer, Transport } from '../../server/bus/port'
import type { Ctx } from '../../server/context/ctx'
import { REPLAY_RATE } from '../../server/domain/replays'
import { releasePendingItems } from '../../server/services/replays/control-job'
import { onReplayJobsChanged } from '../../server/services/replays/job-signal'
import { every, type Every } from '../every'
import { claimJob, keepLease, releaseLease } from './lease'
import { markProduced } from './outcome'
import { recoverInFlight } from './recovery'
import { TX, type Job, type ReplayExecutorStatus, type Runner } from './runner'
import { attemptBatch, deliverBatch, type BatchOutcome } from './send'
import { TokenBucket } from './token-bucket'

/**
 * The replay executor (DLQ-REPLAY.md "Execute"), a part of the worker in `npm start` and in
 * `npm run ingest`. It claims one queued or running job at a time with a lease (a conditional
 * update: one worker only; renewed while it runs; a dead worker's lease expires and another
 * worker resumes the job) and produces its items at the job's rate (token bucket).
 *
 * No item is produced twice, across crashes too. Per batch:
 *   1. under the job's row lock (still running? still ours?) the items get `attemptedAt` and
 *      `probeFrom` = the target partitions' end offsets, committed BEFORE the send;
 *   2. send (acks=all, no explicit partition);
 *   3. each item gets its partition/offset, its dead letter `replayed`, the job its counters.
 * A crash between 2 and 3 leaves items pending with an attempt: before anything else, the next
 * owner reads the target partitions from `probeFrom` to their end and looks for each item's
 * `x-replay-id` (recovery.ts). Found → marked produced with the offset found; not found → the send
 * never reached the log and the item is produced normally. A failed send is treated the same way
 * (it may have reached the log before failing), so a retry can never duplicate either.
 * The next batch is read and marked as attempted while the previous one is sent and recorded (the
 * database round trips overlap the broker's); sends stay one at a time, in order.
 * Pause and abort take effect before the next batch (within a second at any rate ≥ 1/s).
 */

export interface ReplayExecutorDeps {
  /** The `worker:replay-executor` context. */
  ctx: Ctx
  transport: Transport
}

export interface ReplayExecutorOptions {
  /** How long a claim lasts without renewal. Default 15 s. */
  leaseMs?: number
  /**
   * How often an idle worker looks for jobs. Default 5 s; a job queued, resumed or aborted by the
   * console of the same process is looked at once (server/services/replays/job-signal.ts).
   */
  pollMs?: number
  workerId?: string
}

export type { ReplayExecutorStatus }

export interface ReplayExecutor {
  start(): void
  stop(): Promise<void>
  status(): ReplayExecutorStatus
}

/**
 * A batch is at most this many records: one second of the highest rate a job may ask for. The
 * bucket saves up at most one second of the job's rate: when a round trip (Postgres marks, the
 * send) is slow, the next batch is bigger and the rate holds. Each batch costs a fixed ~5 round
 * trips (item read, attempt mark, send, outcome, hops); with half a second (1,000) the bucket
 * overflowed whenever a batch took longer than that, and 2,000/s delivered 89 % (bench suite
 * `replay`). Pause and abort still act between batches, within a second.
 */
const MAX_BATCH = REPLAY_RATE.max

export function createReplayExecutor(deps: ReplayExecutorDeps, options: ReplayExecutorOptions = {}): ReplayExecutor {
  const { ctx, transport } = deps
  const { db } = ctx
  const pollMs = options.pollMs ?? 5_000
  const workerId = options.workerId ?? `replay-${randomUUID()}`
  const abort = new AbortController()
  let producer: Promise<BusProducer> | undefined
  const r: Runner = {
    ctx,
    transport,
    workerId,
    leaseMs: options.leaseMs ?? 15_000,
    log: ctx.logger.child({ component: 'replay-executor', workerId }),
    signal: abort.signal,
    state: { workerId, jobId: null, produced: 0, lastError: null },
    producer: () => (producer ??= transport.producer().catch((error: unknown) => ((producer = undefined), Promise.reject(error)))),
    topics: { at: 0, names: new Set() },
  }
  const { log, state } = r
  let loop: Every | undefined
  let unsubscribe: (() => void) | undefined
  const recover = (job: Job) => recoverInFlight({ db, transport, log, jobId: job.id, onProduced: (items) => markProduced(r, job, items) })

  async function runJob(claimed: Job): Promise<void> {
    const jobId = claimed.id
    state.jobId = jobId
    const lease = keepLease(r, jobId)
    try {
      await recover(claimed)
      const job = await db.replayJob.findUniqueOrThrow({ where: { id: jobId } })
      if (job.status === 'aborted') {
        await db.$transaction((tx) => releasePendingItems(tx, jobId, job.endReason ?? 'Aborted'), TX)
        return
      }
      if (job.status !== 'running') return
      log.info({ jobId, total: job.total, done: job.succeeded + job.failed + job.skipped, rate: job.ratePerSecond }, 'replay job running')
      const bucket = new TokenBucket(job.ratePerSecond, Math.max(1, Math.min(MAX_BATCH, job.ratePerSecond)))
      // The batch being delivered (sent, its outcome recorded) while the next one is read and attempted.
      let delivering: Promise<BatchOutcome> = Promise.resolve('ok')
      const settle = async (): Promise<BatchOutcome> => {
        const outcome = await delivering
        delivering = Promise.resolve('ok')
        if (outcome === 'retry') {
          await sleep(1_000, abort.signal)
          await recover(job)
        }
        return outcome
      }
      try {
        for (;;) {
          if (abort.signal.aborted || lease.lost()) return
          const n = await bucket.take(MAX_BATCH, abort.signal)
          if (n === 0) return
          const items = await db.replayItem.findMany({
            where: { jobId, status: 'pending', attemptedAt: null },
            include: { deadLetter: true },
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            take: n,
          })
          if (items.length < n) bucket.refund(n - items.length)
          if (!items.length) {
            if ((await settle()) === 'stop') return
            // Items still in flight (a send whose outcome is unknown) are settled before the job ends.
            if (await db.replayItem.count({ where: { jobId, status: 'pending' } })) {
              await sleep(500, abort.signal)
              await recover(job)
              continue
            }
            await finish(job)
            return
          }
          const attempted = await attemptBatch(r, job, items)
          // One send at a time, in order. A batch attempted while the previous delivery failed stays
          // attempted but unsent: the recovery probe finds it absent and it is produced again.
          const previous = await settle()
          if (attempted === 'stop' || previous === 'stop') return
          if (previous === 'retry' || !attempted) continue
          delivering = deliverBatch(r, job, attempted)
        }
      } finally {
        // Stopping mid-job: the delivery in flight finishes and is recorded before the lease goes.
        await delivering.catch((error: unknown) => log.warn({ err: error, jobId }, 'replay delivery failed while stopping'))
      }
    } finally {
      lease.stop()
      await releaseLease(r, jobId).catch((error: unknown) => log.warn({ err: error, jobId }, 'could not release the replay job lease'))
      state.jobId = null
    }
  }

  async function finish(job: Job): Promise<void> {
    const { count } = await db.replayJob.updateMany({
      where: { id: job.id, status: 'running', leaseOwner: workerId },
      data: { status: 'completed', finishedAt: new Date(), leaseOwner: null, leaseUntil: null },
    })
    if (count) {
      const done = await db.replayJob.findUniqueOrThrow({ where: { id: job.id } })
      log.info({ jobId: job.id, succeeded: done.succeeded, failed: done.failed, skipped: done.skipped }, 'replay job completed')
    }
  }

  /** One look for a job: runs the job it claims (and looks again at once), else waits for the next poll. */
  async function round(): Promise<number | void> {
    try {
      const job = await claimJob(r)
      if (job) {
        await runJob(job)
        return 0
      }
    } catch (error) {
      state.lastError = (error as Error).message
      log.error({ err: error }, 'replay executor round failed; trying again')
    }
  }

  return {
    start() {
      if (loop) return
      // A look every pollMs; a job change announced in this process wakes it at once, or right
      // after the look in progress (job-signal.ts).
      const looping = every('replay-executor', pollMs, 0, round)
      unsubscribe = onReplayJobsChanged(() => looping.wake())
      loop = looping
    },
    async stop() {
      abort.abort()
      unsubscribe?.()
      await loop?.stop()
    },
    status: () => ({ ...state }),
  }
}
