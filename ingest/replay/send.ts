import { markFailed, markProduced } from './outcome'
import { buildReplayRecord, type ReplayRecord } from './record'
import { TX, type Item, type Job, type Produced, type Runner } from './runner'

/**
 * One batch of a job in two stages (executor.ts has the why): `attemptBatch` checks it, marks it as
 * attempted and builds its records; `deliverBatch` sends them and records the outcome. The executor
 * runs the next batch's attempt while the previous one is delivered.
 */

async function topicsExist(r: Runner, wanted: Iterable<string>): Promise<Set<string>> {
  const stale = Date.now() - r.topics.at > 5_000
  if (stale || [...wanted].some((t) => !r.topics.names.has(t))) r.topics = { at: Date.now(), names: new Set(await r.transport.listTopics()) }
  return r.topics.names
}

/** How many times each dead letter was replayed before (x-replay-count). */
async function replayCounts(r: Runner, deadLetterIds: string[]): Promise<Map<string, number>> {
  const rows = await r.ctx.db.replayItem.groupBy({ by: ['deadLetterId'], where: { deadLetterId: { in: deadLetterIds }, status: 'produced' }, _count: { _all: true } })
  return new Map(rows.map((row) => [row.deadLetterId, row._count._all]))
}

export type BatchOutcome = 'ok' | 'stop' | 'retry'

/** A batch marked as attempted, its records built: what `deliverBatch` sends. */
export interface AttemptedBatch {
  byTopic: Map<string, Item[]>
  built: Map<string, ReplayRecord>
  at: Date
}

/** Stage 1: what cannot be sent fails now; the rest is marked as attempted (durable) and built. Null: nothing to send; 'stop': the job is no longer ours to run. */
export async function attemptBatch(r: Runner, job: Job, items: Item[]): Promise<AttemptedBatch | null | 'stop'> {
  const existing = await topicsExist(r, items.map((i) => i.targetTopic))
  const failures = new Map<string, string>()
  for (const item of items) {
    if (!existing.has(item.targetTopic))
      failures.set(item.id, `Target topic ${item.targetTopic} does not exist: create it (or fix REPLAY_REDRIVE_TOPICS), then replay the dead letter again.`)
    else if (!item.editedValue && !item.deadLetter.value) failures.set(item.id, 'The dead letter has no value to produce.')
  }
  if (failures.size) await markFailed(r, job, failures)
  const sendable = items.filter((i) => !failures.has(i.id))
  if (!sendable.length) return null

  const byTopic = new Map<string, Item[]>()
  for (const i of sendable) byTopic.set(i.targetTopic, [...(byTopic.get(i.targetTopic) ?? []), i])
  const probeFrom = new Map<string, Record<string, string>>()
  for (const topic of byTopic.keys()) probeFrom.set(topic, Object.fromEntries((await r.transport.endOffsets(topic)).map((p) => [String(p.partition), p.end])))

  // 1. The attempt, durable before the send, under the job's lock.
  const now = new Date()
  const go = await r.ctx.db.$transaction(async (tx) => {
    const { count } = await tx.replayJob.updateMany({
      where: { id: job.id, status: 'running', leaseOwner: r.workerId },
      data: { leaseUntil: new Date(now.getTime() + r.leaseMs) },
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

  const counts = await replayCounts(r, sendable.map((i) => i.deadLetterId))
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
  return { byTopic, built, at: now }
}

/** Stage 2: the send, and the outcome recorded. */
export async function deliverBatch(r: Runner, job: Job, batch: AttemptedBatch): Promise<BatchOutcome> {
  const { byTopic, built, at: now } = batch
  const produced: Produced[] = []
  // 2. The send.
  try {
    const p = await r.producer()
    for (const [topic, list] of byTopic) {
      const placed = await p.send(topic, list.map((i) => built.get(i.id)!.record))
      list.forEach((item, k) => produced.push({ item, at: placed[k]!, producedAt: now, built: built.get(item.id)! }))
    }
  } catch (error) {
    r.state.lastError = (error as Error).message
    r.log.warn({ err: error, jobId: job.id }, 'replay send failed; checking what reached the topic before retrying')
    await r.ctx.db.replayJob.update({ where: { id: job.id }, data: { lastError: `Producing failed: ${(error as Error).message}. Retrying.` } }).catch(() => undefined)
    // What was sent before the failure is marked now; the rest is settled by the recovery probe.
    if (produced.length) await markProduced(r, job, produced)
    return 'retry'
  }

  // 3. The outcome.
  await markProduced(r, job, produced)
  return 'ok'
}
