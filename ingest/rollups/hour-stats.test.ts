import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../../server/clickhouse/client'
import { chQuery } from '../../server/clickhouse/exec'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { readStats } from '../../server/clickhouse/queries/hour-stats/read'
import type { Stats } from '../../server/clickhouse/queries/hour-stats/stats'
import { refreshHourStats, staleHours } from '../../server/clickhouse/queries/hour-stats/store'
import { openTestClickHouse } from '../../server/clickhouse/testing'
import { H0, insertHopEvents, makeHourStatsEvents, makeTxn, NOW, PLANT, STATE } from '../../server/clickhouse/testing/hour-stats-events'
import { makeReconEvents } from '../../server/clickhouse/testing/recon-events'
import { logger } from '../../server/logger'
import { metrics } from '../../server/metrics'
import { startHourStatsRefresher } from './hour-stats'

/**
 * The worker's refresher on real ClickHouse, over the hour statistics' crafted events
 * (server/clickhouse/queries/hour-stats.test.ts tests the numbers): it brings stale hours current,
 * so a dashboard read finds nothing left to compute.
 */

const MIN = 60_000
const HOUR = 60 * MIN

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse

const read = (stepSec: 60 | 3600, maxLagMs = 0) => readStats(ch, { plants: [PLANT], from: new Date(NOW.getTime() - 7 * HOUR), to: NOW, stepSec, state: STATE, series: true, maxLagMs })
const flow = (s: Stats, name: string) => s.totals.find((t) => t.flow === name)!

beforeAll(async () => {
  engine = openTestClickHouse('hour-stats-worker')
  ch = engine.ch
  await migrateClickHouse(ch)
  await insertHopEvents(ch, makeHourStatsEvents())
  // Every hour stored and current, as the dashboards' first read leaves them.
  await refreshHourStats(ch, await staleHours(ch, { plants: [PLANT], since: H0, until: NOW, limit: 10 }))
}, 120_000)
afterAll(() => engine.dispose())

describe('hour statistics refresher', () => {
  it('the worker brings every stale hour current', async () => {
    const more = makeTxn('hs-a6', 2 * HOUR + 30 * MIN, 'L2')
    more.hop(0, 'inventory.material_consumed', 'machine')
    await insertHopEvents(ch, more.events)
    expect(await staleHours(ch, { plants: [PLANT], since: H0, until: NOW, limit: 10 })).toHaveLength(1)
    const refresher = startHourStatsRefresher({ clickhouse: ch, logger, intervalMs: 50 })
    try {
      await expect.poll(() => staleHours(ch, { plants: [PLANT], since: H0, until: NOW, limit: 10 }), { timeout: 20_000 }).toEqual([])
    } finally {
      await refresher.stop()
    }
    const now = await read(3600)
    expect(now.current.plan.refreshedHours).toBe(0)
    expect(flow(now.current, 'goods_movement').transactions).toBe(6)
  })
  it('stores closed hours only: the open hour, stale again with every insert, is left to the live reads', async () => {
    // Relative to the real now: the refresher's "open hour" is the current one.
    const open = Math.floor(Date.now() / HOUR) * HOUR
    const plant = 'HSO'
    for (const [cid, origin] of [['hso-closed', open - 30 * MIN], ['hso-open', open + 10_000]] as const) {
      const t = makeTxn(cid, origin - H0.getTime(), 'L1', 'goods_movement', plant)
      t.hop(0, 'inventory.material_consumed', 'machine')
      await insertHopEvents(ch, t.events)
    }
    const stale = () => staleHours(ch, { plants: [plant], since: new Date(open - HOUR), until: new Date(open + HOUR), limit: 10 })
    expect((await stale()).map((h) => h.bucket.getTime())).toEqual([open - HOUR, open])
    const refresher = startHourStatsRefresher({ clickhouse: ch, logger, intervalMs: 50 })
    try {
      await expect.poll(async () => (await stale()).map((h) => h.bucket.getTime()), { timeout: 20_000 }).toEqual([open])
      await new Promise((r) => setTimeout(r, 500))
      expect((await stale()).map((h) => h.bucket.getTime())).toEqual([open])
    } finally {
      await refresher.stop()
    }
  })

  it('stores the reconciliation hours of both tables up to the current hour, and again after late events', async () => {
    // Relative to the real now: the worker looks back 90 days from it.
    const t0 = new Date(Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR)
    const plant = 'RW1'
    const { events, resent } = makeReconEvents({ plant, t0 })
    await insertHopEvents(ch, events)
    // Per hour: the live marks, and each table's latest stored marks (an hour stored and current has both equal).
    const marks = async () => {
      const { rows } = await chQuery<{ bucket: string; live: string; summary: string | null; kpis: string | null }>(ch, {
        name: 'test.reconMarks',
        sql: `SELECT toString(bucket) AS bucket, toString(sum(events)) AS live,
                toString((SELECT argMax(marks, computed_at) FROM ${ch.database}.recon_hour WHERE plant = {plant:String} AND bucket = m.bucket)) AS summary,
                toString((SELECT argMax(marks, computed_at) FROM ${ch.database}.recon_kpi_hour WHERE plant = {plant:String} AND bucket = m.bucket)) AS kpis
              FROM ${ch.database}.hour_marks AS m WHERE plant = {plant:String} GROUP BY bucket ORDER BY bucket`,
        params: { plant },
      })
      return rows
    }
    const current = (rows: Awaited<ReturnType<typeof marks>>) => rows.map((r) => ({ bucket: r.bucket, summary: r.live, kpis: r.live }))
    const before = await marks()
    expect(before.length).toBeGreaterThan(1)
    expect(before.every((r) => r.kpis === null && r.summary === null)).toBe(true)
    const refresher = startHourStatsRefresher({ clickhouse: ch, logger, intervalMs: 50 })
    try {
      await expect.poll(async () => (await marks()).map(({ bucket, summary, kpis }) => ({ bucket, summary, kpis })), { timeout: 20_000 }).toEqual(current(before))
      // A re-sent event lands in a stored hour: that hour is stored again, with its new marks.
      await insertHopEvents(ch, [resent])
      const after = await marks()
      expect(after).not.toEqual(before)
      await expect.poll(async () => (await marks()).map(({ bucket, summary, kpis }) => ({ bucket, summary, kpis })), { timeout: 20_000 }).toEqual(current(after))
    } finally {
      await refresher.stop()
    }
  })
  it('an idle worker does not look for stale hours again until its ingest wrote rows', async () => {
    const runs = async () => (await metrics().periodicJob.get()).values.find((v) => v.metricName === 'linetrace_periodic_job_seconds_count' && v.labels.job === 'hour-stats')?.value ?? 0
    const stale = () => staleHours(ch, { plants: [PLANT], since: H0, until: NOW, limit: 10 })
    let written = 0
    const before = await runs()
    const refresher = startHourStatsRefresher({ clickhouse: ch, logger, intervalMs: 50, written: () => written })
    try {
      // The first run looks (and finds nothing stale); from then on runs are skipped.
      await expect.poll(runs, { timeout: 20_000 }).toBeGreaterThanOrEqual(before + 2)
      const more = makeTxn('hs-a7', 3 * HOUR + 10 * MIN, 'L2')
      more.hop(0, 'inventory.material_consumed', 'machine')
      await insertHopEvents(ch, more.events)
      const inserted = await runs()
      await expect.poll(runs, { timeout: 20_000 }).toBeGreaterThanOrEqual(inserted + 3)
      expect(await stale()).toHaveLength(1)
      // This process's ingest wrote rows: the next run looks and brings the hour current.
      written += more.events.length
      await expect.poll(stale, { timeout: 20_000 }).toEqual([])
    } finally {
      await refresher.stop()
    }
  })
})
