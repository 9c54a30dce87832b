import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeCtx } from '../testing/ctx'
import { chInsert } from '../../clickhouse/exec'
import type { Runtime } from '../../runtime'
import { startTestRuntime } from '../../testing/runtime'
import { kpiServiceSource } from './alert-source'
import { computeKpis, type PlantKpis } from './compute'
import { metrics } from '../../metrics'

/**
 * Every KPI formula on a crafted event set whose answers are worked out by hand below. The events
 * arrive twice (a re-send of the whole set in another batch) and one posting arrives late, 90 min
 * after its source event: neither may change a number, and the late posting stays in its origin hour.
 */

const MIN = 60_000
const HOUR = 60 * MIN
const PLANT = '3000'

let runtime: Runtime
let stop: () => Promise<void>
const now = new Date(Math.floor(Date.now() / HOUR) * HOUR + 30 * MIN)
/** Window: 3 whole hours before `now`'s hour plus the current half hour. */
const h0 = new Date(now.getTime() - 3 * HOUR - 30 * MIN)
const from = h0
const to = now

type Ev = Record<string, unknown>
const events: Ev[] = []
let seq = 0
function txn(cid: string, originOffsetMs: number, flow = 'goods_movement', line = 'L1') {
  const origin = new Date(h0.getTime() + originOffsetMs)
  return (atMs: number, event_type: string, hop: string, extra: Ev = {}) =>
    events.push({
      event_id: `${cid}-${++seq}`,
      event_type,
      occurred_at: new Date(origin.getTime() + atMs).toISOString(),
      origin_time: origin.toISOString(),
      correlation_id: cid,
      flow,
      hop,
      status: 'ok',
      plant: PLANT,
      line,
      ...extra,
    })
}

function craft() {
  // T1: posted at attempt 1 after 60 s.
  const t1 = txn('k-t1', 5 * MIN)
  t1(0, 'inventory.material_consumed', 'machine')
  t1(30_000, 'erp.posting_requested', 'erp', { attempt: 1 })
  t1(60_000, 'erp.posting_succeeded', 'erp', { attempt: 1, erp_document: 'D1', latency_ms: 500 })
  // T2: transient failure, posted at attempt 2 after 120 s (auto-recovered).
  const t2 = txn('k-t2', 10 * MIN)
  t2(0, 'inventory.material_consumed', 'machine')
  t2(10_000, 'erp.posting_requested', 'erp', { attempt: 1 })
  t2(20_000, 'erp.posting_failed', 'erp', { attempt: 1, status: 'retrying', error_category: 'transient', error_code: 'TIMEOUT' })
  t2(120_000, 'erp.posting_succeeded', 'erp', { attempt: 2, erp_document: 'D2', latency_ms: 900 })
  // T3: late posting 90 min after its source, then a second document (a duplicate posting).
  const t3 = txn('k-t3', 20 * MIN)
  t3(0, 'inventory.material_consumed', 'machine')
  t3(60_000, 'erp.posting_requested', 'erp', { attempt: 1 })
  t3(90 * MIN, 'erp.posting_succeeded', 'erp', { attempt: 1, erp_document: 'D3' })
  t3(95 * MIN, 'erp.posting_succeeded', 'erp', { attempt: 2, erp_document: 'D3b' })
  // T4: permanent failure, dead-lettered.
  const t4 = txn('k-t4', 30 * MIN)
  t4(0, 'inventory.material_consumed', 'machine')
  t4(10_000, 'erp.posting_requested', 'erp', { attempt: 1 })
  t4(20_000, 'erp.posting_dead_lettered', 'erp', { attempt: 1, status: 'dead_lettered', error_category: 'permanent', error_code: 'M7/053' })
  // T5: source event only, hours old: stuck, and for longer than the SLA again (age > 2 × 5 min).
  txn('k-t5', 40 * MIN)(0, 'inventory.material_consumed', 'machine')
  // T6: one minute old, requested: in progress (within the 5 min SLA).
  const t6 = txn('k-t6', 3 * HOUR + 29 * MIN)
  t6(0, 'inventory.material_consumed', 'machine')
  t6(5_000, 'erp.posting_requested', 'erp', { attempt: 1 })
  // A quality hold on lot LOT9 placed at +0, applied by MES +1 min, WMS +2 min, ERP +4 min,
  // released +30 min; lot LOT9 consumed at +10 min (a leak) and at +40 min (after release: none).
  const q = txn('k-qh', 60 * MIN, 'quality_hold')
  q(0, 'quality.hold_placed', 'qms', { lot: 'LOT9' })
  q(1 * MIN, 'quality.hold_applied', 'mes', { lot: 'LOT9' })
  q(2 * MIN, 'quality.hold_applied', 'wms', { lot: 'LOT9' })
  q(4 * MIN, 'quality.hold_applied', 'erp', { lot: 'LOT9' })
  q(30 * MIN, 'quality.hold_released', 'qms', { lot: 'LOT9' })
  txn('k-leak', 70 * MIN, 'goods_movement')(0, 'inventory.material_consumed', 'machine', { lot: 'LOT9' })
  txn('k-noleak', 100 * MIN, 'goods_movement')(0, 'inventory.material_consumed', 'machine', { lot: 'LOT9' })
  // Equipment: 60 min busy of which 45 running (plus 30 min planned stop); 80 good + 20 scrap at an ideal 20 s cycle.
  const eq = txn('k-eq', 2 * HOUR, 'equipment_state', 'L1')
  eq(0, 'shopfloor.equipment_state_changed', 'machine', { attributes: { state: 'DOWN', previous_state: 'RUNNING', previous_duration_ms: String(45 * MIN) } })
  eq(15 * MIN, 'shopfloor.equipment_state_changed', 'machine', { attributes: { state: 'PLANNED_STOP', previous_state: 'DOWN', previous_duration_ms: String(15 * MIN) } })
  eq(45 * MIN, 'shopfloor.equipment_state_changed', 'machine', { attributes: { state: 'RUNNING', previous_state: 'PLANNED_STOP', previous_duration_ms: String(30 * MIN) } })
  txn('k-cnt', 2 * HOUR + MIN, 'production_confirmation', 'L1')(0, 'shopfloor.production_counted', 'machine', {
    qty_good: 80,
    qty_scrap: 20,
    attributes: { ideal_cycle_time_ms: '20000' },
  })
}

let report: PlantKpis
const value = (id: string) => report.kpis.find((k) => k.id === id)!.value

beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
  craft()
  const ch = runtime.clickhouse
  await chInsert(ch, { table: 'hop_events', rows: events, dedupToken: 'kpi-test:0:0-1' })
  // The whole set re-sent in another batch (new offsets): duplicates must change nothing.
  await chInsert(ch, { table: 'hop_events', rows: events.map((e) => ({ ...e, src_offset: 1000 })), dedupToken: 'kpi-test:0:1000-1001' })
  // Dead letters and a replay for MTTR and replay success (Postgres).
  const prisma = runtime.db.prisma
  const dl = (id: string, status: 'resolved' | 'failed_again' | 'new', recorded: Date, resolved: Date | null) =>
    prisma.deadLetter.create({
      data: { id, topic: 'kpi.dlq', partition: 0, offset: BigInt(seq++), recordTimestamp: recorded, headers: {}, convention: 'spring', fingerprint: 'fp', plantCode: PLANT, status, resolvedAt: resolved },
    })
  await dl('00000000-0000-4000-8000-000000000001', 'resolved', new Date(now.getTime() - 3 * HOUR), new Date(now.getTime() - 1 * HOUR))
  await dl('00000000-0000-4000-8000-000000000002', 'resolved', new Date(now.getTime() - 3 * HOUR), new Date(now.getTime() - 2 * HOUR))
  await dl('00000000-0000-4000-8000-000000000003', 'failed_again', new Date(now.getTime() - 3 * HOUR), null)
  await dl('00000000-0000-4000-8000-000000000004', 'new', new Date(now.getTime() - 3 * HOUR), null)
  const job = await prisma.replayJob.create({ data: { reason: 'test', selection: {}, createdByLabel: 'test', status: 'completed' } })
  for (const id of ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000003'])
    await prisma.replayItem.create({
      data: { jobId: job.id, deadLetterId: id, status: 'produced', targetTopic: 't', previousStatus: 'new', producedAt: new Date(now.getTime() - 2 * HOUR) },
    })
  ;[report] = (await computeKpis(makeCtx({ db: prisma, ch }), { plants: [PLANT], from, to, now, previous: true, series: true, ingestLag: 7 })) as [PlantKpis]
}, 300_000)
afterAll(() => stop())

describe('KPI formulas on a crafted event set (sent twice, one late posting)', () => {
  it('first-pass success: attempt-1 successes / settled posting requests', () => {
    // settled: T1, T2, T3, T4 (T6 in flight); first attempt ok: T1, T3.
    expect(value('first_pass_success')).toBe(50)
  })

  it('E2E p50/p95 exact over posted transactions, first success only', () => {
    // goods_movement: 60 s, 120 s, 5400 s (T3 first posted 90 min after its source).
    const e2e = report.kpis.find((k) => k.id === 'e2e_latency_p95')!
    expect(e2e.value).toBe(5400)
    expect(e2e.flow).toBe('goods_movement')
    expect(e2e.target).toMatchObject({ value: 300, direction: 'max' })
    // Three posted transactions: the value, but no verdict (KPI_MIN_SAMPLES: 20 for a p95).
    expect(e2e.status).toBe('few')
    expect(e2e.reason).toBe('too few transactions (3)')
    expect(value('e2e_latency_p50')).toBe(120)
  })

  it('auto-recovery, backlog split, stuck, duplicates', () => {
    expect(value('auto_recovery_rate')).toBe(100)
    const backlog = report.kpis.find((k) => k.id === 'open_backlog')!
    // T4 dead-lettered, T5 stuck, T6 in progress (+ the two consumption-only goods movements are stuck too).
    expect(backlog.detail).toMatchObject({ dead_lettered: 1, retrying: 0, waiting: 0 })
    expect(value('stuck_transactions')).toBe(backlog.detail!.stuck)
    expect(value('duplicate_postings')).toBe(1)
    expect(report.stuckBeyondSla).toBeGreaterThanOrEqual(1)
    // The oldest open transaction is T4 (origin h0 + 30 min).
    expect(value('backlog_age_max')).toBeCloseTo((now.getTime() - (h0.getTime() + 30 * MIN)) / HOUR, 6)
  })

  it('failure rates by category over ERP posting requests (rollups, duplicates absorbed)', () => {
    // 5 requests (T1, T2, T3, T4, T6); transient 1, permanent 1.
    expect(value('technical_failure_rate')).toBe(20)
    expect(value('failure_rate_permanent')).toBe(20)
  })

  it('a late posting lands in its origin minute (short range) and origin hour (long range)', async () => {
    const at = (r: PlantKpis, t: number) => r.buckets.find((b) => Date.parse(b.bucket) === t)
    // 3.5 h range: minute buckets. T3 started at h0 + 20 min and posted 90 min later.
    expect(at(report, h0.getTime() + 20 * MIN)).toMatchObject({ started: 1, e2e_p95_ms: 5_400_000 })
    expect(at(report, h0.getTime() + 110 * MIN)?.posted_in_bucket).toBe(1)
    // 7 h range: hourly buckets. T1..T5 started in h0; T3's e2e is in h0's p95, not in the hour it posted.
    const [hourly] = (await computeKpis(makeCtx({ db: runtime.db.prisma, ch: runtime.clickhouse }), { plants: [PLANT], from: new Date(h0.getTime() - 3.5 * HOUR), to, now, series: true })) as [PlantKpis]
    expect(at(hourly, h0.getTime())).toMatchObject({ started: 5, e2e_p95_ms: 5_400_000 })
    expect(at(hourly, h0.getTime() + HOUR)?.e2e_p95_ms ?? null).toBeNull()
    expect(at(hourly, h0.getTime() + HOUR)?.posted_in_bucket).toBe(1)
    // The same KPI values whatever the bucket size.
    expect(hourly.kpis.find((k) => k.id === 'first_pass_success')!.value).toBe(50)
  })

  it('dead-letter MTTR, replay success, open dead letters', () => {
    expect(value('dead_letter_mttr')).toBeCloseTo(1.5, 6)
    expect(value('replay_success_rate')).toBe(50)
    // open: failed_again and new.
    expect(value('dead_lettered_backlog')).toBe(2)
  })

  it('quality hold propagation (max over MES, WMS, ERP) and leakage', () => {
    expect(value('hold_propagation_p95')).toBe(240)
    expect(value('hold_leakage')).toBe(1)
  })

  it('OEE, availability, performance, quality, scrap (ISO 22400)', () => {
    expect(value('availability')).toBeCloseTo(75, 6) // 45 running / 60 busy
    expect(value('performance')).toBeCloseTo((100 * 20_000 * 100) / (45 * MIN), 6)
    expect(value('quality_rate')).toBeCloseTo(80, 6)
    expect(value('scrap_ratio')).toBeCloseTo(20, 6)
    expect(value('oee')).toBeCloseTo(0.75 * ((20_000 * 100) / (45 * MIN)) * 0.8 * 100, 6)
    // The line's row of the OEE table: the same numbers, no reasons.
    expect(report.production).toEqual([expect.objectContaining({ line: 'L1', availability: { value: 0.75, reason: null }, quality: { value: 0.8, reason: null } })])
    // Nothing before the window: no previous OEE, and why.
    expect(report.kpis.find((k) => k.id === 'oee')).toMatchObject({ previous: null })
  })

  it('ingest freshness and lag; health red with the reasons', () => {
    expect(value('consumer_lag')).toBe(7)
    expect(value('ingest_freshness')).not.toBeNull()
    // Red from the stuck transactions (a count is evidence by itself); the E2E p95 over three
    // transactions and first-pass success over four are not judged, so they are no reason.
    expect(report.health.health).toBe('red')
    const reasons = report.health.reasons.map((r) => r.text)
    expect(reasons[0]).toMatch(/^Stuck transactions \d+ vs ≤ 0 target; \d+ stuck for longer than the flow SLA$/)
    expect(reasons.join('\n')).not.toMatch(/E2E posting latency|First-pass/)
    expect(report.kpis.find((k) => k.id === 'first_pass_success')).toMatchObject({ value: 50, status: 'few', reason: 'too few transactions (4)' })
  })

  it('previous period: nothing there', () => {
    expect(report.kpis.find((k) => k.id === 'first_pass_success')!.previous).toBeNull()
  })

  it('alert rules read no flows, without the statistics reads, where the plant has no transaction', async () => {
    const ctx = makeCtx({ db: runtime.db.prisma, ch: runtime.clickhouse })
    // After the crafted events' last origin hour; and a plant with no events at all.
    const later = { from: new Date(now.getTime() + 2 * HOUR), to: new Date(now.getTime() + 3 * HOUR) }
    const statsReads = async () => (await metrics().clickhouseQueryDuration.get()).values.filter((v) => v.labels.query === 'hourStats.numbers' && String(v.metricName).endsWith('_count')).reduce((n, v) => n + v.value, 0)
    const before = await statsReads()
    for (const scope of [{ plant: PLANT, flow: '*', ...later }, { plant: '1000', flow: '*', from, to }])
      expect(await kpiServiceSource(ctx, [scope.plant]).read('first_pass_success', scope)).toEqual([{ flow: '*', value: null, samples: 0 }])
    expect(await statsReads()).toBe(before)
    // The dashboards' full computation agrees.
    const [full] = await computeKpis(ctx, { plants: [PLANT], ...later, now: later.to })
    expect(full!.flows).toEqual([])
    expect(full!.kpis.find((k) => k.id === 'first_pass_success')).toMatchObject({ value: null })
  })

  it('alert rules read the dashboard numbers through the KPI service', async () => {
    const deps = makeCtx({ db: runtime.db.prisma, ch: runtime.clickhouse })
    const scope = { plant: PLANT, flow: '*', from, to }
    const service = kpiServiceSource(deps, [PLANT])
    expect(await service.read('first_pass_success', scope)).toEqual([{ flow: '*', value: 50, samples: 4 }])
    expect(await service.read('e2e_latency_p95', scope)).toEqual([{ flow: 'goods_movement', value: 5400, samples: 3 }])
    const erp = report.flows.filter((f) => f.posting_requests > 0)
    const requests = erp.reduce((n, f) => n + f.posting_requests, 0)
    expect(await service.read('technical_failure_rate', scope)).toEqual([
      { flow: '*', value: (100 * erp.reduce((n, f) => n + f.errors_transient, 0)) / requests, samples: requests },
    ])
  })
})
