import { utcMs } from '../../clickhouse/queries/dashboard'
import { flowKpi, type FlowKpiRow } from '../../clickhouse/queries/kpi'
import type { Actor } from '../../clickhouse/exec'
import { computeKpis, grainOf, type KpiDeps, type PlantKpis } from './compute'

/**
 * Everything one plant dashboard shows for [from, to): the KPI report with the previous period,
 * the time series (throughput, failures by category, E2E p50/p95, backlog), and the breakdowns by
 * flow, line and hop. All queries run in parallel; the bench (bench/dashboards) times this call.
 */

export interface SeriesPoint {
  /** Bucket start, ISO. */
  t: string
  /** ERP hop events; failures below are failed ERP postings by category (KPIS.md). */
  events: number
  /** Successful ERP postings (by the source time of their transaction). */
  postings: number
  requests: number
  transient: number
  dependency: number
  permanent: number
  partial: number
  /** Transactions started in the bucket / first posted in the bucket / open at its end. */
  started: number
  posted: number
  backlog: number
  firstPass: number | null
  e2eP50: number | null
  e2eP95: number | null
  stuck: number
}

export interface HopRow {
  hop: string
  events: number
  errors: number
  p50: number | null
  p95: number | null
  max: number | null
}

/** ERP postings by line. */
export interface LineRow {
  line: string
  events: number
  errors: number
  requests: number
  postings: number
  failures: number
  deadLettered: number
}

export interface PlantDashboard {
  report: PlantKpis
  grain: '1m' | '1h'
  stepSec: number
  /** The plant-wide E2E target in s (flows may have their own: report.flows[].e2eTarget). */
  e2eTargetS: number
  series: SeriesPoint[]
  hops: HopRow[]
  lines: LineRow[]
}

const sum = (rows: readonly FlowKpiRow[], f: (r: FlowKpiRow) => number) => rows.reduce((n, r) => n + Number(f(r) ?? 0), 0)
const MAX_POINTS = 2000

export async function plantDashboard(deps: KpiDeps, q: { plant: string; from: Date; to: Date; now?: Date; actor?: Actor }): Promise<PlantDashboard> {
  const { grain, stepSec } = grainOf(q.from, q.to)
  const ch = deps.clickhouse
  const base = { plants: [q.plant], from: q.from, to: q.to, grain, actor: q.actor }
  const [[report], byBucket, byLine, byHop] = await Promise.all([
    computeKpis(deps, { plants: [q.plant], from: q.from, to: q.to, now: q.now, previous: true, actor: q.actor }),
    flowKpi(ch, { ...base, by: ['bucket', 'hop'], latency: false, hops: ['erp'] }),
    flowKpi(ch, { ...base, by: ['line', 'hop'], latency: false, hops: ['erp'] }),
    flowKpi(ch, { ...base, by: ['hop'] }),
  ])
  if (!report) throw new Error(`No report for plant ${q.plant}`)

  // Every bucket of the range, empty ones included, so charts show gaps as zero and time stays linear.
  const step = stepSec * 1000
  const first = Math.floor(q.from.getTime() / step) * step
  const points = new Map<number, SeriesPoint>()
  for (let t = first; t < q.to.getTime() && points.size < MAX_POINTS; t += step)
    points.set(t, {
      t: new Date(t).toISOString(),
      events: 0,
      postings: 0,
      requests: 0,
      transient: 0,
      dependency: 0,
      permanent: 0,
      partial: 0,
      started: 0,
      posted: 0,
      backlog: 0,
      firstPass: null,
      e2eP50: null,
      e2eP95: null,
      stuck: 0,
    })
  for (const r of byBucket) {
    const p = points.get(utcMs(r.bucket!))
    if (!p) continue
    p.events += Number(r.events)
    p.transient += Number(r.errors_transient)
    p.dependency += Number(r.errors_dependency)
    p.permanent += Number(r.errors_permanent)
    p.partial += Number(r.errors_partial)
    if (r.hop === 'erp') {
      p.postings += Number(r.posting_successes)
      p.requests += Number(r.posting_requests)
    }
  }
  for (const b of report.buckets) {
    const p = points.get(utcMs(b.bucket))
    if (!p) continue
    p.started = b.started
    p.posted = b.posted_in_bucket
    p.stuck = b.stuck
    p.firstPass = b.settled ? (100 * b.first_attempt_ok) / b.settled : null
    p.e2eP50 = b.e2e_p50_ms === null ? null : b.e2e_p50_ms / 1000
    p.e2eP95 = b.e2e_p95_ms === null ? null : b.e2e_p95_ms / 1000
  }
  // Backlog at each bucket's end among the range's transactions: started so far − posted so far.
  let open = 0
  const series = [...points.values()]
  for (const p of series) {
    open += p.started - p.posted
    p.backlog = Math.max(0, open)
  }

  const hops: HopRow[] = byHop.map((r) => ({
    hop: r.hop!,
    events: Number(r.events),
    errors: Number(r.errors),
    p50: r.latency_p50,
    p95: r.latency_p95,
    max: r.latency_max,
  }))
  const lineNames = [...new Set(byLine.map((r) => r.line ?? ''))]
  const lines: LineRow[] = lineNames.map((line) => {
    const rows = byLine.filter((r) => r.line === line)
    const erp = rows.filter((r) => r.hop === 'erp')
    return {
      line,
      events: sum(rows, (r) => r.events),
      errors: sum(rows, (r) => r.errors),
      requests: sum(erp, (r) => r.posting_requests),
      postings: sum(erp, (r) => r.posting_successes),
      failures: sum(erp, (r) => r.posting_failures),
      deadLettered: sum(rows, (r) => r.dead_lettered),
    }
  })
  return { report, grain, stepSec, e2eTargetS: report.e2eTargetS, series, hops, lines }
}
