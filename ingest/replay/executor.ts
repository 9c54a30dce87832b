import { randomUUID } from 'node:crypto'
import { sleep } from '../../server/bus/local'
import type { BusProducer, ProducedRecord, Transport } from '../../server/bus/port'
import type { Ctx } from '../../server/context/ctx'
import type { Prisma } from '../../server/db/client'
import { metrics } from '../../server/metrics'
import { idempotencyKeyOf } from '../../server/services/replays/dead-letter-facts'
import { releasePendingItems, restoreDeadLetters } from '../../server/services/replays/control-job'
import { buildReplayRecord, type ReplayRecord } from './record'
import { recoverInFlight } from './recovery'
import { replayHopEvents } from './telemetry'
import { TokenBucket } from './token-bucket'
import { setDeadLetterState } from '../../server/services/dead-letters/state'

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
  /** How often an idle worker looks for jobs. Default 1 s. */
  pollMs?: number
  workerId?: string
}

export interface ReplayExecutorStatus {
  workerId: string
  jobId: string | null
  produced: number
  lastError: string | null
}

export interface ReplayExecutor {
  start(): void
  stop(): Promise<void>
  status(): ReplayExecutorStatus
}

type Item = Prisma.ReplayItemGetPayload<{ include: { deadLetter: true } }>
type Job = Prisma.ReplayJobGetPayload<object>

/**
 * A batch is at most this many records. The bucket saves up at most one second of the job's rate:
 * when a round trip (Postgres marks, the send) is slow, the next batch is bigger and the rate holds.
 */
const MAX_BATCH = 200
/** Prisma's default (5 s) is too tight for a busy database; the lease is what bounds a batch. */
const TX = { timeout: 30_000, maxWait: 30_000 }

export function createReplayExecutor(deps: ReplayExecutorDeps, options: ReplayExecutorOptions = {}): ReplayExecutor {
  const { transport } = deps
  const { db: prisma, config } = deps.ctx
  const leaseMs = options.leaseMs ?? 15_000
  const pollMs = options.pollMs ?? 1_000
  const workerId = options.workerId ?? `replay-${randomUUID()}`
  const log = deps.ctx.logger.child({ component: 'replay-executor', workerId })
  const abort = new AbortController()
  const state: ReplayExecutorStatus = { workerId, jobId: null, produced: 0, lastError: null }
  let loop: Promise<void> | undefined
  let producer: Promise<BusProducer> | undefined
  const getProducer = () => (producer ??= transport.producer().catch((error: unknown) => ((producer = undefined), Promise.reject(error))))

  const leaseFree = (now: Date): Prisma.ReplayJobWhereInput => ({ OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }, { leaseOwner: workerId }] })

  /** A queued or running job, or a paused/aborted one with items in flight at a dead worker. */
  async function claim(): Promise<Job | undefined> {
    const now = new Date()
    const candidates = await prisma.replayJob.findMany({
      where: {
        AND: [
          leaseFree(now),
          { OR: [{ status: { in: ['queued', 'running'] } }, { status: { in: ['paused', 'aborted'] }, items: { some: { status: 'pending', attemptedAt: { not: null } } } }] },
        ],
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: 5,
    })
    for (const c of candidates) {
      const { count } = await prisma.replayJob.updateMany({
        where: { AND: [{ id: c.id, status: c.status }, leaseFree(now)] },
        data: {
          leaseOwner: workerId,
          leaseUntil: new Date(now.getTime() + leaseMs),
          ...(c.status === 'queued' ? { status: 'running', startedAt: c.startedAt ?? now } : {}),
        },
      })
      if (count === 1) return prisma.replayJob.findUniqueOrThrow({ where: { id: c.id } })
    }
    return undefined
  }

  async function releaseLease(jobId: string): Promise<void> {
    await prisma.replayJob.updateMany({ where: { id: jobId, leaseOwner: workerId }, data: { leaseOwner: null, leaseUntil: null } })
  }

  /** Keeps the claim alive while this process works on the job, also during a long send. */
  function keepLease(jobId: string): { lost: () => boolean; stop: () => void } {
    let lost = false
    const timer = setInterval(() => {
      prisma.replayJob
        .updateMany({ where: { id: jobId, leaseOwner: workerId }, data: { leaseUntil: new Date(Date.now() + leaseMs) } })
        .then(({ count }) => {
          if (count === 0) lost = true
        })
        .catch((error: unknown) => log.warn({ err: error, jobId }, 'could not renew the replay job lease'))
    }, Math.max(250, Math.floor(leaseMs / 3)))
    timer.unref()
    return { lost: () => lost, stop: () => clearInterval(timer) }
  }

  async function runJob(claimed: Job): Promise<void> {
    const jobId = claimed.id
    state.jobId = jobId
    const lease = keepLease(jobId)
    try {
      await recoverInFlight({ prisma, transport, log, jobId, onProduced: (items) => markProduced(claimed, items) })
      const job = await prisma.replayJob.findUniqueOrThrow({ where: { id: jobId } })
      if (job.status === 'aborted') {
        await prisma.$transaction((tx) => releasePendingItems(tx, jobId, job.endReason ?? 'Aborted'), TX)
        return
      }
      if (job.status !== 'running') return
      log.info({ jobId, total: job.total, done: job.succeeded + job.failed + job.skipped, rate: job.ratePerSecond }, 'replay job running')
      const bucket = new TokenBucket(job.ratePerSecond, Math.max(1, Math.min(MAX_BATCH, job.ratePerSecond)))
      for (;;) {
        if (abort.signal.aborted || lease.lost()) return
        const n = await bucket.take(MAX_BATCH, abort.signal)
        if (n === 0) return
        const items = await prisma.replayItem.findMany({
          where: { jobId, status: 'pending', attemptedAt: null },
          include: { deadLetter: true },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          take: n,
        })
        if (items.length < n) bucket.refund(n - items.length)
        if (!items.length) {
          // Items still in flight (a send whose outcome is unknown) are settled before the job ends.
          if (await prisma.replayItem.count({ where: { jobId, status: 'pending' } })) {
            await sleep(500, abort.signal)
            await recoverInFlight({ prisma, transport, log, jobId, onProduced: (recovered) => markProduced(job, recovered) })
            continue
          }
          await finish(job)
          return
        }
        const outcome = await produceBatch(job, items)
        if (outcome === 'stop') return
        if (outcome === 'retry') {
          await sleep(1_000, abort.signal)
          await recoverInFlight({ prisma, transport, log, jobId, onProduced: (recovered) => markProduced(job, recovered) })
        }
      }
    } finally {
      lease.stop()
      await releaseLease(jobId).catch((error: unknown) => log.warn({ err: error, jobId }, 'could not release the replay job lease'))
      state.jobId = null
    }
  }

  async function finish(job: Job): Promise<void> {
    const { count } = await prisma.replayJob.updateMany({
      where: { id: job.id, status: 'running', leaseOwner: workerId },
      data: { status: 'completed', finishedAt: new Date(), leaseOwner: null, leaseUntil: null },
    })
    if (count) {
      const done = await prisma.replayJob.findUniqueOrThrow({ where: { id: job.id } })
      log.info({ jobId: job.id, succeeded: done.succeeded, failed: done.failed, skipped: done.skipped }, 'replay job completed')
    }
  }

  // The topic list changes rarely; one metadata call per batch at 500 records/s would not.
  let topics: { at: number; names: Set<string> } = { at: 0, names: new Set() }
  async function topicsExist(wanted: Iterable<string>): Promise<Set<string>> {
    const stale = Date.now() - topics.at > 5_000
    if (stale || [...wanted].some((t) => !topics.names.has(t))) topics = { at: Date.now(), names: new Set(await transport.listTopics()) }
    return topics.names
  }

  async function produceBatch(job: Job, items: Item[]): Promise<'ok' | 'stop' | 'retry'> {
    const existing = await topicsExist(items.map((i) => i.targetTopic))
    const failures = new Map<string, string>()
    for (const item of items) {
      if (!existing.has(item.targetTopic))
        failures.set(item.id, `Target topic ${item.targetTopic} does not exist: create it (or fix REPLAY_REDRIVE_TOPICS), then replay the dead letter again.`)
      else if (!item.editedValue && !item.deadLetter.value) failures.set(item.id, 'The dead letter has no value to produce.')
    }
    if (failures.size) await markFailed(job, failures)
    const sendable = items.filter((i) => !failures.has(i.id))
    if (!sendable.length) return 'ok'

    const byTopic = new Map<string, Item[]>()
    for (const i of sendable) byTopic.set(i.targetTopic, [...(byTopic.get(i.targetTopic) ?? []), i])
    const probeFrom = new Map<string, Record<string, string>>()
    for (const topic of byTopic.keys()) probeFrom.set(topic, Object.fromEntries((await transport.endOffsets(topic)).map((p) => [String(p.partition), p.end])))

    // 1. The attempt, durable before the send, under the job's lock.
    const now = new Date()
    const go = await prisma.$transaction(async (tx) => {
      const { count } = await tx.replayJob.updateMany({
        where: { id: job.id, status: 'running', leaseOwner: workerId },
        data: { leaseUntil: new Date(now.getTime() + leaseMs) },
      })
      if (count !== 1) return false
      for (const [topic, list] of byTopic)
        await tx.replayItem.updateMany({
          where: { id: { in: list.map((i) => i.id) }, status: 'pending', attemptedAt: null },
          data: { attemptedAt: now, probeFrom: probeFrom.get(topic)! },
        })
      return true
    }, TX)
    if (!go) return 'stop'

    // 2. The send.
    const counts = await replayCounts(sendable.map((i) => i.deadLetterId))
    const built = new Map<string, ReplayRecord>()
    for (const i of sendable)
      built.set(
        i.id,
        buildReplayRecord({
          itemId: i.id,
          jobId: job.id,
          replayedBy: job.createdByLabel,
          reason: job.reason,
          editedValue: i.editedValue,
          count: (counts.get(i.deadLetterId) ?? 0) + 1,
          at: now,
          source: i.deadLetter,
        }),
      )
    const produced: { item: Item; at: ProducedRecord; built: ReplayRecord }[] = []
    try {
      const p = await getProducer()
      for (const [topic, list] of byTopic) {
        const placed = await p.send(topic, list.map((i) => built.get(i.id)!.record))
        list.forEach((item, k) => produced.push({ item, at: placed[k]!, built: built.get(item.id)! }))
      }
    } catch (error) {
      state.lastError = (error as Error).message
      log.warn({ err: error, jobId: job.id }, 'replay send failed; checking what reached the topic before retrying')
      await prisma.replayJob.update({ where: { id: job.id }, data: { lastError: `Producing failed: ${(error as Error).message}. Retrying.` } }).catch(() => undefined)
      // What was sent before the failure is marked now; the rest is settled by the recovery probe.
      if (produced.length) await markProduced(job, produced.map((p) => ({ item: p.item, at: p.at, producedAt: now, built: p.built })))
      return 'retry'
    }

    // 3. The outcome.
    await markProduced(job, produced.map((p) => ({ item: p.item, at: p.at, producedAt: now, built: p.built })))
    return 'ok'
  }

  /** How many times each dead letter was replayed before (x-replay-count). */
  async function replayCounts(deadLetterIds: string[]): Promise<Map<string, number>> {
    const rows = await prisma.replayItem.groupBy({ by: ['deadLetterId'], where: { deadLetterId: { in: deadLetterIds }, status: 'produced' }, _count: { _all: true } })
    return new Map(rows.map((r) => [r.deadLetterId, r._count._all]))
  }

  async function markProduced(job: Job, done: { item: Item; at: ProducedRecord; producedAt: Date; built: ReplayRecord }[]): Promise<void> {
    if (!done.length) return
    // Set-based: three statements per batch whatever its size (per-row updates cap the rate on PGlite).
    const marked = await prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRawUnsafe<{ dead_letter_id: string }[]>(
        `UPDATE replay_items AS i
            SET status = 'produced', produced_partition = v.partition, produced_offset = v.off::bigint,
                produced_at = v.at::timestamp(3), archived_headers = v.archived::jsonb, error = NULL, updated_at = now()
           FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[]) AS v(id, partition, off, at, archived)
          WHERE i.id = v.id AND i.status = 'pending'
      RETURNING i.dead_letter_id`,
        done.map((d) => d.item.id),
        done.map((d) => d.at.partition),
        done.map((d) => d.at.offset),
        done.map((d) => d.producedAt.toISOString().replace('T', ' ').replace('Z', '')),
        done.map((d) => JSON.stringify(d.built.archived)),
      )
      if (!rows.length) return 0
      await setDeadLetterState({ ...deps.ctx, db: tx }, { id: rows.map((r) => r.dead_letter_id), event: 'replay_produced' })
      await tx.replayJob.update({ where: { id: job.id }, data: { succeeded: { increment: rows.length }, lastError: null } })
      return rows.length
    }, TX)
    state.produced += marked
    state.lastError = null
    metrics().replayRecords.inc({ outcome: 'produced' }, marked)
    await emitHops(job, done)
  }

  async function markFailed(job: Job, failures: Map<string, string>): Promise<void> {
    await prisma.$transaction(async (tx) => {
      const restored: { dead_letter_id: string; previous_status: Item['previousStatus'] }[] = []
      for (const [id, error] of failures) {
        const item = await tx.replayItem.findUniqueOrThrow({ where: { id } })
        const { count } = await tx.replayItem.updateMany({ where: { id, status: 'pending' }, data: { status: 'failed', error } })
        if (count) restored.push({ dead_letter_id: item.deadLetterId, previous_status: item.previousStatus })
      }
      await restoreDeadLetters(tx, restored)
      if (restored.length) await tx.replayJob.update({ where: { id: job.id }, data: { failed: { increment: restored.length } } })
    }, TX)
    metrics().replayRecords.inc({ outcome: 'failed' }, failures.size)
    log.warn({ jobId: job.id, failed: failures.size, first: failures.values().next().value }, 'replay items failed')
  }

  async function emitHops(job: Job, done: { item: Item; at: ProducedRecord; producedAt: Date; built: ReplayRecord }[]): Promise<void> {
    const events = done.flatMap((d) =>
      replayHopEvents({
        itemId: d.item.id,
        jobId: job.id,
        requestedAt: job.queuedAt ?? job.createdAt,
        producedAt: d.producedAt,
        replayedBy: job.createdByLabel,
        reason: job.reason,
        edited: d.item.editedValue !== null,
        idempotencyKey: idempotencyKeyOf(d.item.deadLetter),
        deadLetter: d.item.deadLetter,
        produced: d.at,
        trace: d.built.trace,
        workerId,
      }),
    )
    if (!events.length) return
    try {
      await (await getProducer()).send(
        config.env.TELEMETRY_TOPIC,
        events.map((e) => ({ key: e.correlation_id, value: JSON.stringify(e) })),
      )
    } catch (error) {
      // The replay itself is done and recorded; only its trace hops are missing.
      log.warn({ err: error, jobId: job.id, events: events.length }, 'could not emit the replay hop events')
    }
  }

  async function run(): Promise<void> {
    while (!abort.signal.aborted) {
      try {
        const job = await claim()
        if (job) {
          await runJob(job)
          continue
        }
      } catch (error) {
        state.lastError = (error as Error).message
        log.error({ err: error }, 'replay executor round failed; trying again')
      }
      await sleep(pollMs, abort.signal)
    }
  }

  return {
    start() {
      loop ??= run()
    },
    async stop() {
      abort.abort()
      await loop
    },
    status: () => ({ ...state }),
  }
}
