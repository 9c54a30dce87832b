import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorker } from '../ingest/worker'
import { LocalTransport } from '../server/bus/local'
import { searchTxns } from '../server/clickhouse/queries/txn'
import { traceByCorrelationId } from '../server/clickhouse/queries/trace'
import { DEFAULT_FLOW_SLA_MS } from '../server/domain/sla'
import { logger } from '../server/logger'
import type { Runtime } from '../server/runtime'
import { evaluateAlerts } from '../server/services/alerts/evaluate'
import { holdLease } from '../server/services/alerts/lease'
import { createRule } from '../server/services/alerts/rules'
import { txnStateParamsFor } from '../server/services/sla/book'
import { makeCtx } from '../server/services/testing/ctx'
import { makePrincipal } from '../server/services/testing/principal'
import { alertRuleInputSchema } from '../server/domain/alerts'
import { startTestRuntime } from '../server/testing/runtime'
import type { SimulatorOptionsInput } from '../simulator/options'
import { Simulation } from '../simulator/simulator'

/**
 * `npm start` stopped and started mid-stream, end to end: the simulator, the in-process bus and the
 * whole ingest worker (telemetry, DLQ indexer, rollups) on one embedded chDB + PGlite, shut down in
 * the order of scripts/serve.ts (simulator, drain the worker, stop it, drop the bus) and started
 * again on a new bus. Two times the flow SLA after the restart, no transaction that started before
 * it is stuck, and a stuck-transactions rule watching those transactions does not fire. (Transactions
 * that start after the restart may be stuck for the reasons a real plant has — the `normal` scenario
 * lets a posting wait for stock up to 10 min, beyond the 5-min SLA — so they are not judged here.)
 * Two things make it pass: the simulator resumes its work in flight (simulator/state.ts), and the
 * new bus's offsets begin after the old one's (server/bus/local.ts) — on a bus that began at 0
 * again, the worker's ClickHouse insert tokens repeated the first lifetime's, and the hops of the
 * resumed work were dropped as duplicate inserts.
 *
 * In one process on the simulated (virtual) clock rather than a child on the wall clock: chDB binds
 * one data directory per process, and a 5-min SLA on the wall clock would make this a 15-min test.
 * Stuck detection and alert evaluation are judged at the simulated "now" (they take `now`); the
 * worker's own alert loop, which would judge at the wall clock, is kept out by holding its lease.
 */

const MIN = 60_000
const SLA = DEFAULT_FLOW_SLA_MS
// Plant 2100 reports through OTLP as in `npm start`: its resumed hub and ERP work reaches the store as spans on lt.otlp.
const OPTIONS: SimulatorOptionsInput = { clock: 'virtual', seed: 7, plants: 5, lines: 2, rate: 2, maxEventsPerSecond: 1e9, otlpPlants: ['2100'] }

/**
 * A timeline starting at `utcHour` on the last Wednesday at least a day ago: the wall clock's recent
 * past (every rollup and partition as in a live demo), on a working day at every demo plant (UTC−6 to
 * UTC+9: Wednesday everywhere). Not an hour before now, as it was: on a Sunday the simulator runs every
 * plant at its weekend factor, and the run without the simulator's state stranded only 3 transactions
 * (it failed on 2026-12-06, a Sunday, with the mapper of the day before as well).
 */
function timeline(utcHour: number) {
  const day = new Date(Date.now() - 24 * 60 * MIN)
  day.setUTCHours(utcHour, 0, 0, 0)
  while (day.getUTCDay() !== 3) day.setUTCDate(day.getUTCDate() - 1)
  const start = day.getTime()
  const stop = start + 6 * MIN
  const restart = stop + MIN
  return { start, stop, restart, end: restart + 2 * SLA }
}
type Timeline = ReturnType<typeof timeline>

let runtime: Runtime
let stopRuntime: () => Promise<void>
const dirs: string[] = []
beforeAll(async () => {
  ;({ runtime, stop: stopRuntime } = await startTestRuntime({ ALERT_EVAL_INTERVAL_MS: '3600000' }))
  // The worker's alert loop judges at the wall clock; this test judges at the simulated END.
  expect(await holdLease(runtime.db.prisma, 'alerts', 'embedded-restart.test', 2 * 3_600_000)).toBe(true)
}, 180_000)
afterAll(async () => {
  await stopRuntime?.()
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }))
})

/** One "process lifetime": a new bus, the worker, the simulator from `from` to `to`, then serve.ts's shutdown. */
async function lifetime(from: number, to: number, stateDir: string | undefined) {
  const { config, clickhouse, db } = runtime
  const transport = new LocalTransport()
  const worker = await startWorker({ config, clickhouse, prisma: db.prisma, transport, logger })
  const sim = await Simulation.create({ transport, config, options: { ...OPTIONS, start: from, duration: `${to - from}ms` }, stateDir, logger })
  await sim.run()
  await sim.close()
  // serve.ts bounds this at 5 s; generous here, where eight test runs share two cores.
  expect(await worker.drain(120_000), 'everything produced was stored before the stop').toBe(0)
  await worker.stop()
  await transport.close()
  return sim.stats()
}

/**
 * At the simulated END, among the transactions that started before the restart (those in flight at
 * the stop among them): the stuck ones, with their hops for the failure message, and the episodes of
 * a stuck-transactions rule that looks at exactly them — extra minutes = END − RESTART − SLA, so only
 * transactions older than END − RESTART count — evaluated by the real evaluator at END.
 */
async function judgeRestart(t: Timeline) {
  const { clickhouse: ch, db } = runtime
  const plants = (await db.prisma.plant.findMany({ select: { code: true } })).map((p) => p.code)
  const state = await txnStateParamsFor(db.prisma, plants, new Date(t.end))
  const actor = { route: 'test', user: 'test' }
  const stuck = await searchTxns(ch, { plants, from: new Date(t.start - 60 * MIN), to: new Date(t.restart), states: ['stuck'], limit: 50, state, actor })
  const described = await Promise.all(
    stuck.map(async (r) => {
      const hops = await traceByCorrelationId(ch, { correlationId: r.correlation_id, from: new Date(t.start - 60 * MIN), to: new Date(t.end + 60 * MIN), limit: 100, actor })
      return `${r.plant} ${r.flow} ${r.correlation_id} from ${r.origin_time}: ${hops.map((h) => `${h.occurred_at.slice(11, 19)} ${h.event_type} ${h.status}`).join(' → ')}`
    }),
  )
  const extraMinutes = (t.end - t.restart - SLA) / MIN
  const rules = await Promise.all(
    plants.map((plant) =>
      createRule(
        { db: db.prisma, principal: makePrincipal('admin') },
        alertRuleInputSchema.parse({ plant, kind: 'stuck_transactions', severity: 'critical', forMinutes: 0, params: { stuckForMinutes: extraMinutes, lookbackHours: 6 } }),
      ),
    ),
  )
  const summary = await evaluateAlerts(makeCtx({ db: db.prisma, ch }), { now: new Date(t.end) })
  expect(summary.errors).toEqual([])
  const episodes = await db.prisma.alertEpisode.findMany({ where: { ruleId: { in: rules.map((r) => r.id) } }, select: { plantCode: true, state: true, reason: true } })
  await db.prisma.alertRule.updateMany({ where: { id: { in: rules.map((r) => r.id) } }, data: { enabled: false } })
  return { stuck: described, episodes }
}

describe('a restart of the embedded demo (simulator + in-process bus + worker)', () => {
  it('leaves no transaction that was in flight stuck, and no stuck alert, two flow SLAs later', async () => {
    const t = timeline(8)
    const stateDir = mkdtempSync(join(tmpdir(), 'lt-restart-state-'))
    dirs.push(stateDir)
    const first = await lifetime(t.start, t.stop, stateDir)
    expect(first.transactions, 'a busy first run, with work in flight at the stop').toBeGreaterThan(300)
    await lifetime(t.restart, t.end, stateDir)
    const { stuck, episodes } = await judgeRestart(t)
    expect(stuck).toEqual([])
    expect(episodes).toEqual([])
  }, 600_000)

  it('without the simulator’s state the same restart strands transactions and fires a stuck alert: what the test above would catch', async () => {
    const t = timeline(10)
    await lifetime(t.start, t.stop, undefined)
    await lifetime(t.restart, t.end, undefined)
    const { stuck, episodes } = await judgeRestart(t)
    expect(stuck.length).toBeGreaterThan(3)
    expect(episodes.map((e) => e.state)).toContain('firing')
  }, 600_000)
})
