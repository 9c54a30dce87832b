import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from './client'
import { chCommand, chQuery } from './exec'
import { defaultMigrationsDir, migrateClickHouse, renderMigration, splitStatements } from './migrate'
import { flowKpi } from './queries/kpi'
import { staleHours } from './queries/hour-stats/store'
import { hopCountsByPlant } from './queries/overview'
import { openTestClickHouse, withDatabase } from './testing'

/**
 * The flow KPI rollups count events exactly (0011): uniq, before them, kept 32-bit hashes and
 * sampled past 65,536 ids, so a busy bucket or a day of a plant read as an estimate. They hold a row
 * per counter (0014). And the upgrades from the uniq rollups, and from the exact rollups' state
 * columns to counter rows, keep what they held.
 */

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
const scratch: string[] = []

beforeAll(async () => {
  engine = openTestClickHouse('exact-counts')
  ch = engine.ch
  await migrateClickHouse(ch)
})

afterAll(async () => {
  await engine.dispose()
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
})

/**
 * `n` ERP events of one plant, ids `${prefix}-${first}` … within the minute starting at `at`:
 * every tenth a transient failure, the rest first-attempt successes; latency = number % 500 ms.
 */
async function insertEvents(db: ClickHouse, q: { plant: string; prefix: string; first: number; n: number; at: Date }) {
  await chCommand(db, {
    name: 'test.insertEvents',
    sql: `INSERT INTO ${db.database}.hop_events
            (event_id, event_type, occurred_at, origin_time, correlation_id, flow, hop, status, plant, line, latency_ms, error_category, attempt)
          SELECT concat({prefix:String}, '-', toString(number)) AS id,
                 if(number % 10 = 0, 'erp.posting_failed', 'erp.posting_succeeded'),
                 {at:DateTime64(3, 'UTC')} + toIntervalMillisecond(number % 50000) AS t, t,
                 concat('TX-', toString(intDiv(number, 5))), 'goods_movement', 'erp',
                 if(number % 10 = 0, 'failed', 'ok'), {plant:String}, 'L1',
                 toUInt32(number % 500), if(number % 10 = 0, 'transient', ''), 1
          FROM numbers({first:UInt64}, {n:UInt64})`,
    params: q,
  })
}

const tenth = (first: number, n: number) => Math.floor((first + n - 1) / 10) - Math.floor((first - 1) / 10)

describe('exact flow KPI counts', () => {
  const plant = 'EX1'
  const at = new Date(Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR + 20 * MIN)
  const n = 200_000

  beforeAll(async () => {
    await insertEvents(ch, { plant, prefix: 'big', first: 0, n, at })
    // Re-sent copies of a tenth of them: new inserts, same event ids.
    await insertEvents(ch, { plant, prefix: 'big', first: 50_000, n: 20_000, at })
  })

  it('counts each of 200,000 distinct events of one bucket once, at either grain', async () => {
    for (const grain of ['1m', '1h'] as const) {
      const [row] = await flowKpi(ch, { plants: [plant], from: new Date(at.getTime() - HOUR), to: new Date(at.getTime() + HOUR), grain, by: ['plant'] })
      expect(row, grain).toMatchObject({
        events: n,
        errors: n / 10,
        errors_transient: n / 10,
        posting_failures: n / 10,
        posting_successes: (n * 9) / 10,
        posting_first_attempt_successes: (n * 9) / 10,
        posting_requests: 0,
        latency_max: 499,
      })
    }
  })

  it('stores a row only for the counters an event counts in (0014)', async () => {
    const { rows } = await chQuery<{ counter: string }>(ch, {
      name: 'test.counters',
      sql: `SELECT DISTINCT counter FROM ${ch.database}.flow_kpi_counts_1m WHERE plant = {plant:String} ORDER BY counter`,
      params: { plant },
    })
    expect(rows.map((r) => r.counter)).toEqual(['errors', 'errors_transient', 'events', 'posting_failures', 'posting_first_attempt_successes', 'posting_successes'])
  })

  it('gives the overview the exact count of a day of the plant', async () => {
    const from = new Date(at.getTime() - 12 * HOUR - 90_000)
    expect(await hopCountsByPlant(ch, { plants: [plant], from, to: new Date(from.getTime() + DAY) })).toEqual([{ plant, events: n }])
  })
})

describe('upgrade from the uniq rollups (0010 → 0012), then to a row per counter (0014, 0015)', () => {
  const plant = 'UP1'
  const recent = new Date(Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR + 10 * MIN)
  // Past hop_events' 90-day retention: the old hourly rollup is the only record of this hour.
  const old = new Date(Math.floor((Date.now() - 120 * DAY) / HOUR) * HOUR + 10 * MIN)
  let db: ClickHouse

  const kpi = async (grain: '1m' | '1h', when: Date) => {
    const rows = await flowKpi(db, { plants: [plant], from: new Date(when.getTime() - HOUR), to: new Date(when.getTime() + HOUR), grain, by: ['plant'] })
    return rows[0] ?? null
  }

  const stale = async () =>
    (await staleHours(db, { plants: [plant], since: new Date(old.getTime() - HOUR), until: new Date(), limit: 10 })).map((h) => h.bucket.getTime())

  const filesUpTo = (version: number) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lt-migrations-'))
    scratch.push(dir)
    cpSync(defaultMigrationsDir(), dir, { recursive: true, filter: (src) => !/\d{4}_/.test(path.basename(src)) || Number(path.basename(src).slice(0, 4)) <= version })
    return dir
  }

  beforeAll(async () => {
    db = withDatabase(ch, 'lt_upgrade')
    await migrateClickHouse(db, { dir: filesUpTo(10) })
    await insertEvents(db, { plant, prefix: 'old', first: 1, n: 40, at: old })
    await insertEvents(db, { plant, prefix: 'recent', first: 1, n: 300, at: recent })
    await insertEvents(db, { plant, prefix: 'recent', first: 1, n: 30, at: recent })
    // Both hours' statistics stored, current against their marks (as the worker leaves them).
    await chCommand(db, {
      name: 'test.storeHours',
      sql: `INSERT INTO ${db.database}.hour_stats (plant, bucket, flow, line, hop, computed_at, marks)
            SELECT plant, bucket, '', '', 'erp', now64(3), sum(events) FROM ${db.database}.hour_marks WHERE plant = {plant:String} GROUP BY plant, bucket`,
      params: { plant },
    })
    expect(await stale()).toEqual([])

    const dir11 = filesUpTo(11)
    expect((await migrateClickHouse(db, { dir: dir11 })).applied).toEqual(['0011_exact_flow_kpis'])
    // A run of 0011 interrupted before it was recorded runs its statements again.
    const file = readdirSync(dir11).find((f) => f.startsWith('0011_'))!
    for (const sql of splitStatements(renderMigration(readFileSync(path.join(dir11, file), 'utf8'), db.database))) {
      await chCommand(db, { name: 'test.rerun0011', sql })
    }
    expect((await migrateClickHouse(db, { dir: filesUpTo(12) })).applied).toEqual(['0012_drop_uniq_flow_kpis'])

    const dir14 = filesUpTo(14)
    expect((await migrateClickHouse(db, { dir: dir14 })).applied).toEqual(['0013_otel_resources', '0014_flow_kpi_counter_rows'])
    // A run of 0014 interrupted before it was recorded copies the exact rollups again: absorbed.
    const file14 = readdirSync(dir14).find((f) => f.startsWith('0014_'))!
    for (const sql of splitStatements(renderMigration(readFileSync(path.join(dir14, file14), 'utf8'), db.database))) {
      await chCommand(db, { name: 'test.rerun0014', sql })
    }
    expect((await migrateClickHouse(db, { dir: filesUpTo(15) })).applied).toEqual(['0015_drop_flow_kpi_exact'])
  })

  it('rebuilds the retained hours from hop_events, exactly, however often 0011 ran', async () => {
    for (const grain of ['1m', '1h'] as const) {
      expect(await kpi(grain, recent), grain).toMatchObject({ events: 300, errors: tenth(1, 300), posting_successes: 300 - tenth(1, 300), latency_max: 300 })
    }
  })

  it('keeps an hour older than the event log with the counts the uniq rollup held', async () => {
    expect(await kpi('1h', old)).toMatchObject({ events: 40, errors: tenth(1, 40), posting_first_attempt_successes: 40 - tenth(1, 40), latency_max: 40 })
    const q = (await kpi('1h', old))!
    expect(q.latency_p50!).toBeGreaterThanOrEqual(1)
    expect(q.latency_p99!).toBeLessThanOrEqual(40)
  })

  it('makes the stored statistics of the hours the event log holds stale, so they are computed again from the exact counts', async () => {
    const hour = (t: Date) => Math.floor(t.getTime() / HOUR) * HOUR
    expect(await stale()).toEqual([hour(recent)])
  })

  it('drops the uniq and the exact rollups and their views, and the new views count what arrives next', async () => {
    const { rows } = await chQuery<{ name: string }>(db, {
      name: 'test.tables',
      sql: `SELECT name FROM system.tables WHERE database = {db:String} AND name LIKE 'flow_kpi%' ORDER BY name`,
      params: { db: db.database },
    })
    expect(rows.map((r) => r.name)).toEqual(['flow_kpi_counts_1h', 'flow_kpi_counts_1h_mv', 'flow_kpi_counts_1m', 'flow_kpi_counts_1m_mv'])
    await insertEvents(db, { plant, prefix: 'recent', first: 250, n: 100, at: recent })
    expect(await kpi('1h', recent)).toMatchObject({ events: 349, errors: tenth(1, 349) })
  })
})
