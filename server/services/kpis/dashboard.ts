import { computeKpis, grainOf, type KpiCtx, type PlantKpis } from './compute'

/**
 * Everything one plant dashboard shows for [from, to): the KPI report with the previous period,
 * the time series (throughput, failures by category, E2E p50/p95, backlog), and the breakdowns by
 * flow, line and hop (with each hop's latency). The bench (bench/dashboards) times this call.
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

const MAX_POINTS = 2000

export async function plantDashboard(ctx: KpiCtx, q: { plant: string; from: Date; to: Date; now?: Date }): Promise<PlantDashboard> {
  const { grain, stepSec } = grainOf(q.from, q.to)
  const [report] = await computeKpis(ctx, { plants: [q.plant], from: q.from, to: q.to, now: q.now, previous: true, series: true })
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
  for (const b of report.buckets) {
    const p = points.get(Date.parse(b.bucket))
    if (!p) continue
    p.events = b.erp_events
    p.transient = b.errors_transient
    p.dependency = b.errors_dependency
    p.permanent = b.errors_permanent
    p.partial = b.errors_partial
    p.postings = b.posting_successes
    p.requests = b.posting_requests
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

  const hops: HopRow[] = report.hops.map((h) => ({ hop: h.hop, events: h.events, errors: h.errors, p50: h.p50_ms, p95: h.p95_ms, max: h.max_ms }))
  const lines: LineRow[] = report.lines.map((l) => ({
    line: l.line,
    events: l.erp_events,
    errors: l.erp_errors,
    requests: l.posting_requests,
    postings: l.posting_successes,
    failures: l.posting_failures,
    deadLettered: l.dead_lettered,
  }))
  return { report, grain, stepSec, e2eTargetS: report.e2eTargetS, series, hops, lines }
}
