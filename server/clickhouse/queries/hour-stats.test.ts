import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../client'
import { chInsert, chQuery } from '../exec'
import { defaultMigrationsDir, migrateClickHouse } from '../migrate'
import { openTestClickHouse, withDatabase } from '../testing'
import { H0, insertHopEvents, makeHourStatsEvents, makeTxn, NOW, PLANT, STATE, type Ev } from '../testing/hour-stats-events'
import { readStats } from './hour-stats/read'
import type { Stats } from './hour-stats/stats'
import { staleHours } from './hour-stats/store'

/**
 * The dashboards' hour statistics on real ClickHouse: numbers stored per hour are the numbers the
 * live computation gives, in hour and minute buckets alike; late and re-sent events make their hour
 * stale and the next read recomputes it (the worker's part: ingest/rollups/hour-stats.test.ts);
 * nothing is counted twice.
 */

const MIN = 60_000
const HOUR = 60 * MIN

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse

const insert = (rows: Ev[]) => insertHopEvents(ch, rows)
const read = (stepSec: 60 | 3600, maxLagMs = 0) => readStats(ch, { plants: [PLANT], from: new Date(NOW.getTime() - 7 * HOUR), to: NOW, stepSec, state: STATE, series: true, maxLagMs })
const flow = (s: Stats, name: string) => s.totals.find((t) => t.flow === name)!

let events: Ev[]
beforeAll(async () => {
  engine = openTestClickHouse('hour-stats')
  ch = engine.ch
  await migrateClickHouse(ch)
  events = makeHourStatsEvents()
  await insert(events)
}, 120_000)
afterAll(() => engine.dispose())

describe('hour statistics', () => {
  let stored: Stats
  it('the first read computes and stores the hours, the next reads them: the same numbers', async () => {
    const first = await read(3600)
    expect(first.current.plan.refreshedHours).toBe(3)
    expect(await staleHours(ch, { plants: [PLANT], since: H0, until: NOW, limit: 10 })).toEqual([])
    const second = await read(3600)
    expect(second.current.plan.refreshedHours).toBe(0)
    expect({ ...second.current, plan: null }).toEqual({ ...first.current, plan: null })
    stored = second.current
  })

  it('counts each KPI input exactly, by origin hour', () => {
    const gm = flow(stored, 'goods_movement')
    expect(gm).toMatchObject({ transactions: 5, settled: 4, first_attempt_ok: 2, posted: 3, transient: 1, auto_recovered: 1, duplicates: 0 })
    expect(gm).toMatchObject({ open: 2, dead_lettered: 1, stuck: 1, in_progress: 0, posting_requests: 4, errors_transient: 1, errors_permanent: 1 })
    // E2E over posted transactions (60 s, 120 s, 1200 s): quantileExact picks index floor(level × n).
    expect(gm).toMatchObject({ e2e_p50_ms: 120_000, e2e_p95_ms: 1_200_000 })
    expect(gm.oldest_open).toBe(new Date(H0.getTime() + HOUR + 5 * MIN).toISOString())
    const at = (h: number) => stored.buckets.find((b) => b.bucket === new Date(H0.getTime() + h * HOUR).toISOString())
    // a5 started in hour 1 (its E2E is hour 1's) and was first posted in hour 2.
    expect(at(1)).toMatchObject({ started: 3, e2e_p95_ms: 1_200_000, stuck: 1 })
    expect(at(2)).toMatchObject({ posted_in_bucket: 1 })
    expect(stored.lines.map((l) => [l.line, l.posting_requests])).toEqual(
      expect.arrayContaining([
        ['L1', 2],
        ['L2', 2],
      ]),
    )
    expect(stored.production).toEqual([expect.objectContaining({ line: 'L1', good: 80, scrap: 20 })])
    expect(stored.hops.find((h) => h.hop === 'erp')).toMatchObject({ events: 9, errors: 2 })
  })

  it('gives the live minute computation the same totals', async () => {
    const minutes = await read(60)
    expect(minutes.current.totals).toEqual(stored.totals)
  })

  it('re-sent events change nothing; a late posting updates its origin hour on the next read', async () => {
    await insert(events)
    expect(await staleHours(ch, { plants: [PLANT], since: H0, until: NOW, limit: 10 })).toHaveLength(3)
    const again = await read(3600)
    expect(again.current.plan.refreshedHours).toBe(3)
    expect(again.current.totals).toEqual(stored.totals)

    // The stuck a4 is posted now, 70 min after its source event.
    const late = makeTxn('hs-a4', HOUR + 20 * MIN, 'L1')
    late.hop(70 * MIN, 'erp.posting_succeeded', 'erp', { attempt: 1, erp_document: 'D4' })
    await insert(late.events)
    // Within the allowed lag the stored hour is still used; with none, it is recomputed.
    expect((await read(3600, 60_000)).current.plan.refreshedHours).toBe(0)
    const after = await read(3600)
    expect(after.current.plan.refreshedHours).toBe(1)
    expect(flow(after.current, 'goods_movement')).toMatchObject({ posted: 4, open: 1, stuck: 0, dead_lettered: 1, e2e_p95_ms: 70 * MIN })
    expect(after.current.buckets.find((b) => b.bucket === new Date(H0.getTime() + HOUR).toISOString())).toMatchObject({ started: 3, stuck: 0 })
  })

  it('keeps E2E quantiles to 3 significant digits, in stored hours and live minutes alike', async () => {
    // One posting per E2E time, in a plant of their own; each value with the key it is kept as.
    const kept: Array<[number, number]> = [
      [987, 987],
      [1_234, 1_230],
      [9_996, 10_000],
      [123_456, 123_000],
      [4_567_890, 4_570_000],
    ]
    const rows = kept.flatMap(([e2e], i) => {
      const t = makeTxn(`hs-r${i}`, 10 * MIN * i, 'L1', 'goods_movement', 'HS2')
      t.hop(0, 'inventory.material_consumed', 'machine')(e2e, 'erp.posting_succeeded', 'erp', { attempt: 1, erp_document: `R${i}` })
      return t.events
    })
    await insert(rows)
    for (const stepSec of [3600, 60] as const) {
      const { current } = await readStats(ch, { plants: ['HS2'], from: H0, to: NOW, stepSec, state: STATE, maxLagMs: 0 })
      // quantileExact's index rule over the kept values: p50 = index 2, p95 = index 4 of 5.
      expect(flow(current, 'goods_movement')).toMatchObject({ posted: 5, e2e_p50_ms: kept[2]![1], e2e_p95_ms: kept[4]![1] })
    }
    const { current } = await readStats(ch, { plants: ['HS2'], from: H0, to: new Date(H0.getTime() + 15 * MIN), stepSec: 60, state: STATE })
    expect(flow(current, 'goods_movement')).toMatchObject({ posted: 2, e2e_p50_ms: kept[1]![1], e2e_p95_ms: kept[1]![1] })
  })
  it('gives each hop its latency once per event (re-sends count once), to 3 significant digits', async () => {
    const rows = [100, 1_234, 5_000].flatMap((latency_ms, i) => {
      const t = makeTxn(`hs-l${i}`, 20 * MIN * i, 'L1', 'goods_movement', 'HS3')
      t.hop(0, 'inventory.material_consumed', 'machine')(1_000, 'integration.message_received', 'hub', { latency_ms })
      return t.events
    })
    const fast = rows.find((r) => r.latency_ms === 100)!
    // The 100 ms event sent three times: counted three times it would be the median.
    await insert([...rows, fast, fast])
    for (const stepSec of [3600, 60] as const) {
      const { current } = await readStats(ch, { plants: ['HS3'], from: H0, to: NOW, stepSec, state: STATE, maxLagMs: 0 })
      expect(current.hops.find((h) => h.hop === 'hub')).toMatchObject({ events: 3, p50_ms: 1_230, p95_ms: 5_000, max_ms: 5_000 })
      expect(current.hops.find((h) => h.hop === 'machine')).toMatchObject({ events: 3, p50_ms: null, p95_ms: null, max_ms: null })
    }
  })
})

describe('migration 0005 (latency histograms)', () => {
  it('drops the hours stored before it; the next read computes them again, with their latency quantiles', async () => {
    const old = withDatabase(ch, 'upgrade')
    // The schema as it was before 0005, with hours stored in it.
    const before = mkdtempSync(path.join(tmpdir(), 'lt-migrations-'))
    try {
      for (const f of readdirSync(defaultMigrationsDir()).filter((f) => f < '0005')) copyFileSync(path.join(defaultMigrationsDir(), f), path.join(before, f))
      await migrateClickHouse(old, { dir: before })
    } finally {
      rmSync(before, { recursive: true, force: true })
    }
    await insertHopEvents(old, events)
    // Sets stored under the old schema (one row per hour is enough: the upgrade must drop them).
    await chInsert(old, {
      table: 'hour_stats',
      rows: [0, 1, 2].map((h) => ({ plant: PLANT, bucket: new Date(H0.getTime() + h * HOUR).toISOString(), flow: 'goods_movement', line: '', hop: '', computed_at: NOW.toISOString(), marks: 0, transactions: 99 })),
    })

    await migrateClickHouse(old)
    const { rows } = await chQuery<{ n: string }>(old, { name: 'test.count', sql: 'SELECT count() AS n FROM upgrade.hour_stats' })
    expect(Number(rows[0]!.n)).toBe(0)
    // The t-digest hop latency tables it replaces are gone.
    const { rows: left } = await chQuery<{ name: string }>(old, { name: 'test.tables', sql: "SELECT name FROM system.tables WHERE database = 'upgrade' AND name LIKE 'hop_latency%'" })
    expect(left).toEqual([])
    const after = await readStats(old, { plants: [PLANT], from: new Date(NOW.getTime() - 7 * HOUR), to: NOW, stepSec: 3600, state: STATE, maxLagMs: 0 })
    expect(after.current.plan.refreshedHours).toBe(3)
    expect(flow(after.current, 'goods_movement')).toMatchObject({ transactions: 5, posted: 3, e2e_p50_ms: 120_000, e2e_p95_ms: 1_200_000 })
    expect(after.current.hops.find((h) => h.hop === 'erp')).toMatchObject({ p50_ms: 900, max_ms: 900 })
  })
})
