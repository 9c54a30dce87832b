import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClickHouse } from '../../server/clickhouse/client'
import { chInsert } from '../../server/clickhouse/exec'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { freshPgliteDb } from '../../server/db/testing'
import { evaluateAlerts } from '../../server/services/alerts/evaluate'
import { createAlertSources, type AlertSources } from '../../server/services/alerts/sources'
import { kpiServiceSource } from '../../server/services/kpis/alert-source'
import { makeCtx } from '../../server/services/testing/ctx'
import { onboardPlants } from '../../server/services/alerts/template'
import { COUNTED, insertPlant, failed, requested, succeeded, makeTxnRows } from '../../server/services/testing/alerts'
import type { BenchResult } from '../suites'

/**
 * One alert evaluation tick over the default rule set (7 rules per plant) on chDB with two hours of
 * traffic per plant, for growing plant counts. Baseline in the same run: the same rules with one
 * query per rule (sources not shared between rules), which is what the batched sources replace.
 */

const PLANTS = (process.env.BENCH_ALERT_PLANTS ?? '5,20').split(',').map(Number)
const TX_PER_MIN = Number(process.env.BENCH_ALERT_TX_PER_MIN ?? 30)
const TICKS = 3
const MIN = 60_000

/** Sources that answer each call with its own queries: the per-rule baseline. */
function unshared(make: (plant: string) => AlertSources): AlertSources {
  return {
    kpi: { read: (kpi, s) => make(s.plant).kpi.read(kpi, s) },
    deadLetters: (plant, flow) => make(plant).deadLetters(plant, flow),
    stuck: (q) => make(q.plant).stuck(q),
    newestEvent: (plant, since) => make(plant).newestEvent(plant, since),
    observedBefore: (plant, at) => make(plant).observedBefore(plant, at),
    ingestLag: () => null,
    postings: (q) => make(q.plant).postings(q),
  }
}

export async function alertsSuite(): Promise<BenchResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lt-bench-alerts-'))
  const ch = createClickHouse({ database: 'linetrace', dataDir })
  const db = await freshPgliteDb()
  const table: (string | number)[][] = [['plants', 'rules', 'hop events', 'batched tick (ms, median)', 'per-rule tick (ms, median)', 'speed-up']]
  const metrics: Record<string, unknown> = {}
  try {
    await migrateClickHouse(ch)
    const now = new Date()
    let created = 0
    let events = 0
    for (const n of PLANTS) {
      for (; created < n; created++) {
        const plant = `B${String(created).padStart(3, '0')}`
        await insertPlant(db.prisma, plant, 'UTC')
        const rows = []
        for (let m = 120; m > 0; m--)
          for (let t = 0; t < TX_PER_MIN; t++) {
            const origin = new Date(now.getTime() - m * MIN + (t * MIN) / TX_PER_MIN)
            const ok = t % 10 !== 0
            rows.push(
              ...makeTxnRows({
                plant,
                flow: t % 4 === 0 ? 'goods_movement' : 'production_confirmation',
                line: `L0${t % 8}`,
                origin,
                hops: ok ? [COUNTED, requested(0.1), succeeded(0.2)] : [COUNTED, requested(0.1), failed(0.2)],
              }),
            )
          }
        await chInsert(ch, { table: 'hop_events', rows })
        events += rows.length
      }
      await onboardPlants(db.prisma)
      const rules = await db.prisma.alertRule.count({ where: { enabled: true } })
      const time = async (sources?: () => AlertSources) => {
        const runs: number[] = []
        for (let i = 0; i < TICKS; i++) {
          const t0 = performance.now()
          const summary = await evaluateAlerts(makeCtx({ db: db.prisma, ch }), { now: new Date(now.getTime() + i * MIN), sources: sources?.() })
          runs.push(performance.now() - t0)
          if (summary.errors.length) throw new Error(`evaluation failed: ${summary.errors[0]!.message}`)
        }
        return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)]!
      }
      const batched = await time()
      const perRule = await time(() => unshared((plant) => createAlertSources(makeCtx({ db: db.prisma, ch }), { plants: [plant], kpi: kpiServiceSource(makeCtx({ db: db.prisma, ch }), [plant]), ingestLag: () => null })))
      metrics[`plants_${n}`] = { rules, events, batchedMs: Math.round(batched), perRuleMs: Math.round(perRule) }
      table.push([n, rules, events, Math.round(batched), Math.round(perRule), `${(perRule / batched).toFixed(1)}×`])
    }
  } finally {
    await db.close()
    await ch.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  return {
    params: { plants: PLANTS, txPerMinutePerPlant: TX_PER_MIN, hoursOfData: 2, ticks: TICKS },
    metrics,
    table,
    notes: ['A tick also writes episode changes to Postgres (PGlite here); the first tick of each size opens the episodes.'],
  }
}
