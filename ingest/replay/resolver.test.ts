import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { systemPrincipal } from '../../server/context/ctx'
import { makeCtx } from '../../server/services/testing/ctx'
import type { ClickHouse } from '../../server/clickhouse/client'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { openTestClickHouse } from '../../server/clickhouse/testing'
import type { Db } from '../../server/db/client'
import { freshPgliteDb } from '../../server/db/testing'
import { insertDeadLetter, insertHops, insertUniquePlant, type DeadLetterBuilt } from '../../server/services/testing/replays'
import { CheckBackoff, resolveReplayed } from './resolver'

/** The closed loop on PGlite and chDB: only a posting after the replay (or, not replayed here, after the dead letter) resolves it. */

let chHandle: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
let db: Db
beforeAll(async () => {
  chHandle = openTestClickHouse('replay-resolver')
  ch = chHandle.ch
  await migrateClickHouse(ch)
  db = await freshPgliteDb()
})
afterAll(async () => {
  await db?.close()
  await chHandle?.dispose()
})

/** A dead letter in `replayed` whose replay was produced at `producedAt`. */
async function replayed(plant: string, producedAt: Date, flow?: string): Promise<{ dl: DeadLetterBuilt; itemId: string }> {
  const dl = await insertDeadLetter(db.prisma, { plant, status: 'replayed' })
  if (flow) await db.prisma.deadLetter.update({ where: { id: dl.row.id }, data: { flow } })
  const job = await db.prisma.replayJob.create({ data: { createdByLabel: 'op', reason: 'r', selection: {}, status: 'completed', total: 1, succeeded: 1 } })
  const item = await db.prisma.replayItem.create({
    data: { jobId: job.id, deadLetterId: dl.row.id, targetTopic: 't', previousStatus: 'new', status: 'produced', producedAt, producedPartition: 0, producedOffset: 1n },
  })
  return { dl, itemId: item.id }
}

type HopExtra = Partial<Parameters<typeof insertHops>[1][number]>

/** The ERP posting of a dead letter's transaction (its idempotency key) at `postedAt`. */
function postingOf(d: DeadLetterBuilt, postedAt: Date, extra: HopExtra) {
  return {
    correlation_id: d.row.correlationId!,
    plant: d.row.plantCode!,
    origin_time: d.row.originTime!,
    occurred_at: postedAt,
    event_type: 'erp.posting_succeeded',
    idempotency_key: `idem-${d.row.correlationId}`,
    ...extra,
  }
}

describe('replay resolver', () => {
  it('resolves only dead letters whose transaction posted after the replay, with the posting time', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const producedAt = new Date(Date.now() - 60_000)
    const postedAt = new Date(producedAt.getTime() + 2_500)
    const ok = await replayed(plant, producedAt)
    const before = await replayed(plant, producedAt)
    const otherKey = await replayed(plant, producedAt)
    const silent = await replayed(plant, producedAt)
    const hold = await replayed(plant, producedAt, 'quality_hold')
    const skewed = await replayed(plant, producedAt)
    const hop = (d: DeadLetterBuilt, extra: HopExtra) => postingOf(d, postedAt, extra)
    await insertHops(ch, [
      hop(ok.dl, {}),
      // Posted before the replay was produced: that posting is not the replay's outcome.
      hop(before.dl, { occurred_at: new Date(producedAt.getTime() - 5_000) }),
      // A posting of another key of the transaction (the confirmation, while the dead letter is its failed movement).
      hop(otherKey.dl, { idempotency_key: 'the-confirmation' }),
      // A flow without a posting: the replay's own hop, applied by a target system.
      hop(hold.dl, { event_type: 'quality.hold_applied', hop: 'wms', flow: 'quality_hold', replay_id: hold.itemId }),
      // The replay's own posting (x-replay-id carried over) from a clock a little behind ours.
      hop(skewed.dl, { occurred_at: new Date(producedAt.getTime() - 800), replay_id: skewed.itemId }),
    ])
    const result = await resolveReplayed(makeCtx({ db: db.prisma, ch }, systemPrincipal('replay-resolver')))
    expect(result.resolved).toBe(3)
    const rows = await db.prisma.deadLetter.findMany({ where: { plantCode: plant }, select: { id: true, status: true, resolvedAt: true } })
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]))
    expect(byId[ok.dl.row.id]).toMatchObject({ status: 'resolved', resolvedAt: postedAt })
    expect(byId[hold.dl.row.id]).toMatchObject({ status: 'resolved' })
    // Never resolved before it was replayed: MTTR stays honest when another system's clock lags.
    expect(byId[skewed.dl.row.id]).toMatchObject({ status: 'resolved', resolvedAt: producedAt })
    for (const d of [before, otherKey, silent]) expect(byId[d.dl.row.id]).toMatchObject({ status: 'replayed', resolvedAt: null })
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'dead_letter.resolve', targetId: ok.dl.row.id } })
    expect(audit).toMatchObject({ actorLabel: 'system:replay-resolver', reason: expect.stringContaining('erp.posting_succeeded') })

    // Idempotent: a second round changes nothing.
    expect((await resolveReplayed(makeCtx({ db: db.prisma, ch }, systemPrincipal('replay-resolver')))).resolved).toBe(0)
  })

  it('resolves a dead letter not replayed here once its posting shows up after it was dead-lettered (another tool replayed it)', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const failedAt = new Date(Date.now() - 120_000)
    const postedAt = new Date(failedAt.getTime() + 45_000)
    const dl = (status: 'new' | 'triaged' | 'failed_again' | 'replay_queued') => insertDeadLetter(db.prisma, { plant, status, failedAt })
    const fresh = await dl('new')
    const triaged = await dl('triaged')
    const again = await dl('failed_again')
    const queued = await dl('replay_queued')
    const earlier = await dl('new')
    const otherKey = await dl('new')
    const silent = await dl('new')
    const keyless = await dl('new')
    const posted = (d: DeadLetterBuilt, extra: HopExtra = {}) => postingOf(d, postedAt, { replay_id: 'replayed-elsewhere', ...extra })
    await insertHops(ch, [
      posted(fresh),
      posted(triaged),
      posted(again),
      // In a replay from the console: its own outcome decides (the replayed path).
      posted(queued),
      // Posted before it was dead-lettered: this dead letter is another attempt, still to be worked.
      posted(earlier, { occurred_at: new Date(failedAt.getTime() - 5_000) }),
      posted(otherKey, { idempotency_key: 'the-confirmation' }),
      // A source that reports no key (a tapped topic's acknowledgements): the transaction's posting counts.
      posted(keyless, { idempotency_key: '' }),
    ])
    const result = await resolveReplayed(makeCtx({ db: db.prisma, ch }, systemPrincipal('replay-resolver')))
    expect(result.resolved).toBe(4)
    const rows = await db.prisma.deadLetter.findMany({ where: { plantCode: plant }, select: { id: true, status: true, resolvedAt: true } })
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]))
    for (const d of [fresh, triaged, again, keyless]) expect(byId[d.row.id]).toMatchObject({ status: 'resolved', resolvedAt: postedAt })
    expect(byId[queued.row.id]).toMatchObject({ status: 'replay_queued', resolvedAt: null })
    for (const d of [earlier, otherKey, silent]) expect(byId[d.row.id]).toMatchObject({ status: 'new', resolvedAt: null })
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'dead_letter.resolve', targetId: again.row.id } })
    expect(audit).toMatchObject({ actorLabel: 'system:replay-resolver', reason: expect.stringContaining('no replay from Linetrace') })
    expect(audit.before).toMatchObject({ status: 'failed_again' })
    expect((await resolveReplayed(makeCtx({ db: db.prisma, ch }, systemPrincipal('replay-resolver')))).resolved).toBe(0)
  })

  it('looks for a dead letter not replayed here less and less often while nothing posts it, and for a replayed one every round', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const failedAt = new Date(Date.now() - 120_000)
    const open = await insertDeadLetter(db.prisma, { plant, status: 'new', failedAt })
    const mine = await replayed(plant, failedAt)
    const backoff = new CheckBackoff()
    const ctx = makeCtx({ db: db.prisma, ch }, systemPrincipal('replay-resolver'))
    const round = () => resolveReplayed(ctx, null, backoff)
    // Other tests' records share the table: count this plant's checks through the backoff.
    const due = () => backoff.due(open.row.id, Date.now())
    await round()
    expect(due(), 'not looked for again at once').toBe(false)
    // The replayed one is looked for every round: its posting resolves it in the next.
    await insertHops(ch, [postingOf(mine.dl, new Date(failedAt.getTime() + 1_000), { replay_id: mine.itemId })])
    await round()
    expect(await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: mine.dl.row.id } })).toMatchObject({ status: 'resolved' })
    // The open one's posting arrives: it waits for its turn, then resolves.
    await insertHops(ch, [postingOf(open, new Date(failedAt.getTime() + 2_000), { replay_id: 'elsewhere' })])
    await round()
    expect(await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: open.row.id } })).toMatchObject({ status: 'new' })
    expect(backoff.due(open.row.id, Date.now() + 10_000)).toBe(true)
    const later = Date.now() + 10_000
    const spy = vi.spyOn(Date, 'now').mockReturnValue(later)
    try {
      await round()
    } finally {
      spy.mockRestore()
    }
    expect(await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: open.row.id } })).toMatchObject({ status: 'resolved' })
  })

  it('waits twice as long after each miss, at most 5 min', () => {
    const backoff = new CheckBackoff()
    const waits: number[] = []
    let now = 0
    for (let i = 0; i < 8; i++) {
      backoff.missed('d', now)
      let next = now
      while (!backoff.due('d', next)) next += 1_000
      waits.push(next - now)
      now = next
    }
    expect(waits).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000])
  })
})
