import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../../server/clickhouse/client'
import { chQuery } from '../../server/clickhouse/exec'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import type { Db } from '../../server/db/client'
import { freshPgliteDb } from '../../server/db/testing'
import { openTestClickHouse } from '../../server/clickhouse/testing'
import { hopEventSchema } from '../../server/domain/hop-event'
import { makeHopEvent } from '../testing/telemetry-records'
import { weekOf } from './batcher'
import { recordCheckpoints, type CheckpointRow } from './checkpoints'
import { InsertCoalescer, QUIET_FACTOR, QUIET_ROWS, type CoalescedBatch, type CoalescerOptions } from './coalescer'
import { ingestMetrics } from './metrics'
import { normalise } from './normalise'
import { OriginCache } from './origin-cache'
import { toHopEventRow, toHopPayloadRow } from './rows'

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
let db: Db

beforeAll(async () => {
  engine = openTestClickHouse('ingest-coalescer')
  ch = engine.ch
  await migrateClickHouse(ch)
  db = await freshPgliteDb()
})
afterAll(async () => {
  await db?.close()
  await engine?.dispose()
})

/** A coalescer as the worker makes it: ranges recorded in Postgres (ingest_checkpoints). */
const coalescerOf = (opts: Omit<CoalescerOptions, 'recordRanges'>) => new InsertCoalescer(ch, { ...opts, recordRanges: (rows) => recordCheckpoints(db.prisma, rows) })
/** Its range: one per batch, as a pipeline's batcher gives it. */
const ranges = new WeakMap<CoalescedBatch, CheckpointRow>()
const write = (c: InsertCoalescer, b: CoalescedBatch) => c.write(b, ranges.get(b)!)
const recorded = async (b: CoalescedBatch) => {
  const r = ranges.get(b)!
  return db.prisma.ingestCheckpoint.count({ where: { groupId: r.groupId, topic: r.topic, partition: r.partition, firstOffset: r.first, lastOffset: r.last } })
}

let offset = 0
/** A batch of `n` hop events with payloads, as a pipeline's batcher holds it: a trickle unless told. */
function batch(n: number, tag: string, trickle = true): CoalescedBatch {
  const origins = new OriginCache()
  const events = []
  const payloads = []
  for (let i = 0; i < n; i++) {
    const e = normalise(hopEventSchema.parse(makeHopEvent({ event_id: `${tag}-${i}`, correlation_id: `${tag}-c${i}` })), {}, origins, new Date())
    events.push(toHopEventRow(e, { topic: 'lt.telemetry', partition: 0, offset: String(offset++) }, false))
    payloads.push(toHopPayloadRow(e, '{"n":1}'))
  }
  const b = { events, payloads, weeks: new Set(events.map((r) => weekOf(Date.parse(r.origin_time)))), payloadChars: 7 * n, trickle }
  ranges.set(b, { groupId: 'coalescer-test', topic: 'lt.telemetry', partition: 0, first: BigInt(offset - n), last: BigInt(offset - 1) })
  return b
}

const inserts = async () => (await ingestMetrics().insertSeconds.get()).values.find((v) => v.metricName?.endsWith('_count') && v.labels.table === 'hop_events')?.value ?? 0

async function stored(tag: string): Promise<{ events: number; payloads: number }> {
  const count = async (table: string) =>
    (await chQuery<{ n: number }>(ch, { name: 'test.count', sql: `SELECT count() AS n FROM ${ch.database}.${table} WHERE startsWith(event_id, {tag:String})`, params: { tag: `${tag}-` } })).rows[0]!.n
  return { events: Number(await count('hop_events')), payloads: Number(await count('hop_payloads')) }
}

describe('InsertCoalescer', () => {
  it('writes the trickle batches that wait together as one insert into both tables', async () => {
    const coalescer = coalescerOf({ intervalMs: 300, maxRows: 1000 })
    await write(coalescer, batch(1, 'warm'))
    const before = await inserts()
    // The interval since the first insert has not passed: all three wait for the same insert.
    const batches = [batch(2, 'a'), batch(3, 'b'), batch(1, 'c')]
    await Promise.all(batches.map((b) => write(coalescer, b)))
    expect((await inserts()) - before).toBe(1)
    // Each batch's range was recorded before the insert that stored it.
    expect(await Promise.all(batches.map(recorded))).toEqual([1, 1, 1])
    expect([await stored('a'), await stored('b'), await stored('c')]).toEqual([
      { events: 2, payloads: 2 },
      { events: 3, payloads: 3 },
      { events: 1, payloads: 1 },
    ])
  })

  it('starts inserts at most once per interval', async () => {
    const coalescer = coalescerOf({ intervalMs: 400, maxRows: 1000 })
    const t0 = performance.now()
    await write(coalescer, batch(1, 'p1'))
    await write(coalescer, batch(1, 'p2'))
    await write(coalescer, batch(1, 'p3'))
    // Three inserts, each starting 400 ms or more after the previous one began.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(800)
    expect(await stored('p3')).toEqual({ events: 1, payloads: 1 })
  })

  it(`waits ${QUIET_FACTOR} intervals while under ${QUIET_ROWS} rows wait, one interval from then on`, async () => {
    const coalescer = coalescerOf({ intervalMs: 1_500, maxRows: 100_000 })
    const since = async (fn: () => Promise<void>) => {
      const t0 = performance.now()
      await fn()
      return performance.now() - t0
    }
    await write(coalescer, batch(1, 'q0'))
    // Right after an insert: a trickle of one row waits QUIET_FACTOR intervals (less the last insert's own time)...
    expect(await since(() => write(coalescer, batch(1, 'q1')))).toBeGreaterThanOrEqual(QUIET_FACTOR * 1_500 - 1_000)
    // ...a thousand rows one (the insert itself takes well under the two intervals of margin).
    const busy = await since(() => write(coalescer, batch(QUIET_ROWS, 'q2')))
    expect(busy).toBeGreaterThanOrEqual(1_500 - 1_000)
    expect(busy).toBeLessThan(QUIET_FACTOR * 1_500)
    expect((await stored('q2')).events).toBe(QUIET_ROWS)
  }, 30_000)

  it('writes a backlog batch at once, and the trickles waiting for the interval with it', async () => {
    const coalescer = coalescerOf({ intervalMs: 60_000, maxRows: 1000 })
    await write(coalescer, batch(1, 'g0'))
    const before = await inserts()
    // Right after an insert, a trickle waits for the 60 s interval...
    let trickleDone = false
    const trickle = write(coalescer, batch(2, 'g1')).then(() => (trickleDone = true))
    await new Promise((r) => setTimeout(r, 300))
    expect(trickleDone).toBe(false)
    // ...until a batch sealed behind its partition's end arrives: both go now, in one insert.
    const t0 = performance.now()
    await Promise.all([write(coalescer, batch(3, 'g2', false)), trickle])
    expect(performance.now() - t0).toBeLessThan(30_000)
    expect((await inserts()) - before).toBe(1)
    expect([await stored('g1'), await stored('g2')]).toEqual([
      { events: 2, payloads: 2 },
      { events: 3, payloads: 3 },
    ])
  })

  it('runs one insert at a time while backlog batches wait, and combines the batches sealed meanwhile', async () => {
    const taken: string[][] = []
    let open!: () => void
    const gate = new Promise<void>((r) => (open = r))
    const coalescer = new InsertCoalescer(ch, {
      intervalMs: 60_000,
      maxRows: 1000,
      // The first insert holds at its ranges' recording, as at a slow Postgres.
      recordRanges: async (rows) => {
        taken.push(rows.map((r) => String(r.first)))
        if (taken.length === 1) await gate
        await recordCheckpoints(db.prisma, rows)
      },
    })
    const before = await inserts()
    const first = batch(1, 'h1', false)
    const later = [batch(1, 'h2', false), batch(2, 'h3', false), batch(1, 'h4', false), batch(1, 'h5')]
    const firstWrite = write(coalescer, first)
    await new Promise((r) => setImmediate(r))
    const laterWrites = [write(coalescer, later[0]!)]
    await new Promise((r) => setTimeout(r, 100))
    laterWrites.push(...later.slice(1).map((b) => write(coalescer, b)))
    await new Promise((r) => setTimeout(r, 100))
    // One insert started, with the one batch that waited; the backlog batches sealed since wait for it.
    expect(taken).toEqual([[String(ranges.get(first)!.first)]])
    open()
    await Promise.all([firstWrite, ...laterWrites])
    expect(taken.slice(1)).toEqual([later.map((b) => String(ranges.get(b)!.first))])
    expect((await inserts()) - before).toBe(2)
    expect((await Promise.all(['h1', 'h2', 'h3', 'h4', 'h5'].map(stored))).map((s) => s.events)).toEqual([1, 1, 2, 1, 1])
  })

  it('splits what does not fit one insert (maxRows) and writes the rest right after', async () => {
    const coalescer = coalescerOf({ intervalMs: 60_000, maxRows: 4 })
    const before = await inserts()
    await Promise.all([write(coalescer, batch(3, 's1')), write(coalescer, batch(3, 's2')), write(coalescer, batch(1, 's3'))])
    // [s1] then [s2, s3]: the second insert did not wait the 60 s interval.
    expect((await inserts()) - before).toBe(2)
    expect([await stored('s1'), await stored('s2'), await stored('s3')].map((s) => s.events)).toEqual([3, 3, 1])
  })

  it('fails every batch of a combined insert the engine refuses, and goes on with the next', async () => {
    const coalescer = coalescerOf({ intervalMs: 10, maxRows: 1000 })
    const good = batch(2, 'ok')
    const bad = batch(1, 'bad')
    const poisoned: CoalescedBatch = { ...bad, events: bad.events.map((e) => ({ ...e, occurred_at: 'not a time' })) }
    ranges.set(poisoned, ranges.get(bad)!)
    const results = await Promise.allSettled([write(coalescer, good), write(coalescer, poisoned)])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect((await stored('ok')).events).toBe(0)
    // The pipeline retries each batch alone; the coalescer itself keeps working.
    await write(coalescer, batch(1, 'after'))
    expect(await stored('after')).toEqual({ events: 1, payloads: 1 })
  })

  it('fails every batch, inserting nothing, when their ranges cannot be recorded', async () => {
    const coalescer = coalescerOf({ intervalMs: 10, maxRows: 1000 })
    const batches = [batch(2, 'unrec1'), batch(1, 'unrec2')]
    await db.prisma.$executeRawUnsafe('ALTER TABLE "ingest_checkpoints" RENAME TO "ingest_checkpoints_away"')
    try {
      const results = await Promise.allSettled(batches.map((b) => write(coalescer, b)))
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    } finally {
      await db.prisma.$executeRawUnsafe('ALTER TABLE "ingest_checkpoints_away" RENAME TO "ingest_checkpoints"')
    }
    expect([await stored('unrec1'), await stored('unrec2')]).toEqual([
      { events: 0, payloads: 0 },
      { events: 0, payloads: 0 },
    ])
  })
})
