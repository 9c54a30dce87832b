import { metrics } from '../../server/metrics'
import { setDeadLetterState } from '../../server/services/dead-letters/state'
import { idempotencyKeyOf } from '../../server/services/replays/dead-letter-facts'
import { restoreDeadLetters } from '../../server/services/replays/control-job'
import { TX, type Item, type Job, type Produced, type Runner } from './runner'
import { replayHopEvents } from './telemetry'

/** What the executor records after a send: items produced (with their hops) or failed. */

export async function markProduced(r: Runner, job: Job, done: Produced[]): Promise<void> {
  if (!done.length) return
  // Set-based: three statements per batch whatever its size (per-row updates cap the rate on PGlite).
  const marked = await r.ctx.db.$transaction(async (tx) => {
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
    await setDeadLetterState({ ...r.ctx, db: tx }, { id: rows.map((row) => row.dead_letter_id), event: 'replay_produced' })
    await tx.replayJob.update({ where: { id: job.id }, data: { succeeded: { increment: rows.length }, lastError: null } })
    return rows.length
  }, TX)
  r.state.produced += marked
  r.state.lastError = null
  metrics().replayRecords.inc({ outcome: 'produced' }, marked)
  await emitHops(r, job, done)
}

export async function markFailed(r: Runner, job: Job, failures: Map<string, string>): Promise<void> {
  await r.ctx.db.$transaction(async (tx) => {
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
  r.log.warn({ jobId: job.id, failed: failures.size, first: failures.values().next().value }, 'replay items failed')
}

async function emitHops(r: Runner, job: Job, done: Produced[]): Promise<void> {
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
      workerId: r.workerId,
    }),
  )
  if (!events.length) return
  try {
    await (await r.producer()).send(
      r.ctx.config.env.TELEMETRY_TOPIC,
      events.map((e) => ({ key: e.correlation_id, value: JSON.stringify(e) })),
    )
  } catch (error) {
    // The replay itself is done and recorded; only its trace hops are missing.
    r.log.warn({ err: error, jobId: job.id, events: events.length }, 'could not emit the replay hop events')
  }
}
