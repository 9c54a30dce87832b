import type { Ctx } from '../../context/ctx'
import { plantNewestEvents } from '../../clickhouse/queries/alerts'
import { holdStats, type HoldStats } from '../../clickhouse/queries/holds'
import { readStats } from '../../clickhouse/queries/hour-stats/read'
import type { Stats, StatsBucket, StatsCounts, StatsHop, StatsLine } from '../../clickhouse/queries/hour-stats/stats'
import { countWindows, lineStatesOf, oeeInputs, type LineStateRow } from '../../clickhouse/queries/production'
import { kpiValue, plantHealth, type KpiId, type KpiTarget, type KpiValue, type PlantHealth } from '../../domain/kpis'
import { oeeOf, type Oee } from '../../domain/oee'
import { DEFAULT_FLOW_SLA_MS } from '../../domain/sla'
import { localIngestStatus } from '../../ingest-status'
import { loadSlaBook, type SlaBook } from '../sla/book'
import { deadLetterInputsOf, deadLetterKpiInputs, type DeadLetterKpiInputs } from './sources'
import { reconciliationKpis, reconKpiValues } from '../reconciliation/kpis'

/**
 * The KPI service: every sync-health KPI of KPIS.md per plant over [from, to) with its target
 * (services/sla/book.ts), status, health and — on request — the previous period of equal length.
 * Transaction KPIs are exact per transaction and ERP rates per event, both by origin time, from the
 * per-bucket statistics (queries/hour-stats/); dead letters and replays from Postgres.
 */

const HOUR = 3_600_000
/** Rollup grain and series step for a window: minutes up to 6 h, hours beyond. */
export function grainOf(from: Date, to: Date): { grain: '1m' | '1h'; stepSec: 60 | 3600 } {
  return to.getTime() - from.getTime() <= 6 * HOUR ? { grain: '1m', stepSec: 60 } : { grain: '1h', stepSec: 3600 }
}

export interface FlowHealth extends StatsCounts {
  flow: string
  /** The flow's E2E target (s) and where it came from. */
  e2eTarget: KpiTarget
}

export interface PlantKpis {
  plant: string
  from: Date
  to: Date
  kpis: KpiValue[]
  health: PlantHealth
  stuckBeyondSla: number
  /** Per flow: exact transaction counts and posting rates, for breakdowns. */
  flows: FlowHealth[]
  /** Series by origin bucket (started, FPS, e2e, stuck, ERP events) and first-posting bucket (outflow); with `series` only. */
  buckets: StatsBucket[]
  /** ERP events by line, and events and errors by hop. */
  lines: StatsLine[]
  hops: StatsHop[]
  /** ISO 22400 per line over the window (A, P, Q, OEE with the reason when one cannot be shown). */
  production: LineOee[]
  holds: HoldStats | null
  /** The plant-wide E2E target (s); flows may have their own (flows[].e2eTarget). */
  e2eTargetS: number
}

export interface LineOee extends Oee {
  line: string
  scrap: number
}

/** What the KPI computation needs of the context: both stores and the actor its queries are tagged with. */
export type KpiCtx = Pick<Ctx, 'db' | 'ch' | 'actor'>

interface Measured {
  stats: Stats
  holds: HoldStats[]
  dl: Map<string, DeadLetterKpiInputs>
  states: LineStateRow[]
}

const pct = (num: number, den: number) => (den > 0 ? (100 * num) / den : null)
const sum = <T>(rows: readonly T[], f: (r: T) => number) => rows.reduce((n, r) => n + f(r), 0)

function targetOf(book: SlaBook, plant: string, flow: string, kpi: string): KpiTarget {
  const t = book.target(plant, flow, kpi)
  return { value: t.target, direction: t.direction, source: t.source }
}

/** A plant's flows: exact transaction counts and posting rates, each with its E2E target. */
function flowsOf(book: SlaBook, stats: Stats, plant: string): FlowHealth[] {
  return stats.totals.filter((t) => t.plant === plant && t.flow !== '*').map((f) => ({ ...f, e2eTarget: targetOf(book, plant, f.flow, 'e2e_latency_p95') }))
}

function plantKpis(book: SlaBook, m: Measured, plant: string, now: Date, hours: number, extra: { freshnessS: number | null; lag: number | null } | null) {
  const total = m.stats.totals.find((t) => t.plant === plant && t.flow === '*')
  const flowTotals = m.stats.totals.filter((t) => t.plant === plant && t.flow !== '*')
  const dl = deadLetterInputsOf(m.dl, plant)
  const hold = m.holds.find((h) => h.plant === plant) ?? null
  const prod = oeeInputs(plant, m.states, m.stats.production)
  const t = (kpi: string) => targetOf(book, plant, '*', kpi)
  const c = total ?? null

  // E2E p95 per flow against each flow's own target; the headline is the flow furthest from it.
  const e2e = flowTotals
    .filter((f) => f.e2e_p95_ms !== null)
    .map((f) => ({ flow: f.flow, p50: f.e2e_p50_ms! / 1000, p95: f.e2e_p95_ms! / 1000, target: targetOf(book, plant, f.flow, 'e2e_latency_p95'), posted: f.posted }))
    .sort((a, b) => b.p95 / Math.max(b.target.value, 1e-9) - a.p95 / Math.max(a.target.value, 1e-9))
  const worst = e2e[0]
  const requests = sum(flowTotals, (r) => r.posting_requests)
  // ISO 22400 over one window for every input (queries/production.ts); null with a reason, never clamped.
  const oee = oeeOf(prod)
  const { good, produced } = oee
  const countEvents = produced
  const stateSamples = sum(prod, (p) => p.state_events + (p.known_ms > 0 ? 1 : 0))
  const ratio = (id: KpiId, r: Oee['oee'], samples: number) =>
    kpiValue(id, r.value === null ? null : 100 * r.value, null, samples, r.reason ? { reason: r.reason } : {})
  const replaySettled = dl.replayPosted + dl.replayFailed

  const kpis: KpiValue[] = [
    kpiValue('e2e_latency_p95', worst?.p95 ?? null, worst?.target ?? t('e2e_latency_p95'), worst?.posted ?? 0, {
      flow: worst?.flow,
      detail: Object.fromEntries(e2e.map((f) => [f.flow, f.p95])),
    }),
    // KPIS.md: p50/p95 per flow. The headline follows the flow furthest from its p95 target, for both.
    kpiValue('e2e_latency_p50', worst?.p50 ?? null, null, worst?.posted ?? 0, { flow: worst?.flow, detail: Object.fromEntries(e2e.map((f) => [f.flow, f.p50])) }),
    kpiValue('first_pass_success', pct(c?.first_attempt_ok ?? 0, c?.settled ?? 0), t('first_pass_success'), c?.settled ?? 0),
    kpiValue('eventual_success_24h', pct(c?.posted_24h ?? 0, c?.older_24h ?? 0), t('eventual_success_24h'), c?.older_24h ?? 0),
    kpiValue('auto_recovery_rate', pct(c?.auto_recovered ?? 0, c?.transient ?? 0), t('auto_recovery_rate'), c?.transient ?? 0),
    kpiValue('open_backlog', c ? c.open : null, null, c?.transactions ?? 0, {
      detail: c
        ? { pending: c.in_progress + c.stuck + c.partial, retrying: c.retrying, waiting: c.waiting, dead_lettered: c.dead_lettered, stuck: c.stuck, partial: c.partial }
        : undefined,
    }),
    kpiValue('dead_lettered_backlog', extra ? dl.open : null, extra ? t('dead_lettered_backlog') : null, extra ? dl.open : 0),
    kpiValue('backlog_age_max', c?.oldest_open ? (now.getTime() - Date.parse(c.oldest_open)) / HOUR : c ? 0 : null, t('backlog_age_max'), c?.open ?? 0, {
      detail: { oldest: c?.oldest_open ?? null },
    }),
    kpiValue('backlog_age_p95', c?.open_age_p95_ms == null ? (c ? 0 : null) : c.open_age_p95_ms / HOUR, null, c?.open ?? 0),
    kpiValue('stuck_transactions', c ? c.stuck : null, t('stuck_transactions'), c?.transactions ?? 0, { detail: { beyondSla: c?.stuck_beyond_sla ?? 0 } }),
    kpiValue('technical_failure_rate', pct(sum(flowTotals, (r) => r.errors_transient), requests), t('technical_failure_rate'), requests),
    kpiValue('failure_rate_dependency', pct(sum(flowTotals, (r) => r.errors_dependency), requests), null, requests),
    kpiValue('failure_rate_permanent', pct(sum(flowTotals, (r) => r.errors_permanent), requests), null, requests),
    kpiValue('failure_rate_partial', pct(sum(flowTotals, (r) => r.errors_partial), requests), null, requests),
    kpiValue('dead_letter_mttr', dl.mttrHours, t('dead_letter_mttr'), dl.resolved),
    kpiValue('replay_success_rate', pct(dl.replayPosted, replaySettled), t('replay_success_rate'), replaySettled, { detail: { pending: dl.replayPending } }),
    kpiValue('duplicate_postings', c ? c.duplicates : null, t('duplicate_postings'), c?.posted ?? 0),
    kpiValue('ingest_freshness', extra?.freshnessS ?? null, t('ingest_freshness'), extra?.freshnessS == null ? 0 : 1),
    kpiValue('consumer_lag', extra?.lag ?? null, null, extra?.lag == null ? 0 : 1),
    kpiValue('hold_propagation_p95', hold?.propagation_p95_ms == null ? null : hold.propagation_p95_ms / 1000, t('hold_propagation_p95'), hold?.propagated ?? 0, {
      detail: hold
        ? { holds: hold.holds, propagated: hold.propagated, max_s: ms(hold.propagation_max_ms), mes_p95_s: ms(hold.mes_p95_ms), wms_p95_s: ms(hold.wms_p95_ms), erp_p95_s: ms(hold.erp_p95_ms) }
        : undefined,
    }),
    kpiValue('hold_leakage', hold ? hold.leaks : null, t('hold_leakage'), hold?.holds ?? 0),
    ratio('oee', oee.oee, countEvents),
    ratio('availability', oee.availability, stateSamples),
    ratio('performance', oee.performance, countEvents),
    ratio('quality_rate', oee.quality, countEvents),
    kpiValue('scrap_ratio', produced > 0 ? (100 * (produced - good)) / produced : null, null, produced),
    kpiValue('throughput', produced > 0 ? produced / hours : null, null, produced, { detail: { unit: 'per hour', produced, good } }),
  ]

  const flows = flowsOf(book, m.stats, plant)
  const lines: LineOee[] = prod.map((p) => ({ ...oeeOf([p]), line: p.line, scrap: p.scrap }))
  return { kpis, flows, stuckBeyondSla: c?.stuck_beyond_sla ?? 0, hold, prod: lines }
}

const ms = (v: number | null) => (v === null ? null : v / 1000)

/**
 * KPIs of each plant over [from, to). `previous` adds each KPI's value over the previous period of
 * the same length (freshness, lag and open dead letters are "now" values and have none); `series`
 * adds the buckets and lines of the plant page. `recon: false` leaves out the reconciliation KPIs
 * for readers that show none of them (overview tiles, alert rules): they count in no plant health.
 */
export async function computeKpis(
  ctx: KpiCtx,
  q: { plants: readonly string[]; from: Date; to: Date; now?: Date; previous?: boolean; series?: boolean; ingestLag?: number | null; recon?: boolean },
): Promise<PlantKpis[]> {
  if (q.plants.length === 0) return []
  const now = q.now ?? new Date()
  const book = await loadSlaBook(ctx.db, q.plants)
  const length = q.to.getTime() - q.from.getTime()
  const prevFrom = q.previous ? new Date(q.from.getTime() - length) : undefined
  const { stepSec } = grainOf(q.from, q.to)
  const ch = ctx.ch
  const plants = [...q.plants]
  const range = (from: Date, to: Date) => ({ plants, from, to, actor: ctx.actor })
  // Equipment states over exactly the window whose counts readStats gives (OEE: one window for every input).
  const windows = countWindows({ from: q.from, to: q.to, stepSec, previousFrom: prevFrom })
  const [stats, dl, newest, [prodNow = [], prodBefore = []], recon] = await Promise.all([
    readStats(ch, { ...statsQuery(book, { ...q, now }), actor: ctx.actor, previousFrom: prevFrom, series: q.series }),
    deadLetterKpiInputs(ctx.db, { plants, from: q.from, to: q.to, previousFrom: prevFrom }),
    plantNewestEvents(ch, { plants, since: new Date(now.getTime() - 8 * 24 * HOUR), actor: ctx.actor }),
    lineStatesOf(ch, { plants, windows: windows.previous ? [windows.current, windows.previous] : [windows.current], now, actor: ctx.actor }),
    q.recon === false ? null : reconciliationKpis(ctx, { plants, from: q.from, to: q.to, now, previousFrom: prevFrom, book }),
  ])
  // Hold events are read only for plants that have hold transactions in either period.
  const holding = [stats.current, stats.previous].flatMap((s) => s?.totals ?? []).filter((t) => t.flow === 'quality_hold' && t.transactions > 0)
  const holds = await holdStats(ch, { ...range(q.from, q.to), plants: [...new Set(holding.map((t) => t.plant))], previousFrom: prevFrom })
  const current: Measured = { stats: stats.current, holds: holds.current, dl: dl.current, states: prodNow }
  const previous: Measured | null = stats.previous ? { stats: stats.previous, holds: holds.previous ?? [], dl: dl.previous ?? new Map(), states: prodBefore } : null
  const lag = q.ingestLag !== undefined ? q.ingestLag : (localIngestStatus()?.lag ?? null)
  const hours = length / HOUR
  return q.plants.map((plant) => {
    const newestAt = newest.get(plant)
    const freshnessS = newestAt ? Math.max(0, (now.getTime() - newestAt.getTime()) / 1000) : null
    const cur = plantKpis(book, current, plant, now, hours, { freshnessS, lag })
    if (previous) {
      const before = new Map(plantKpis(book, previous, plant, now, hours, null).kpis.map((k) => [k.id, k.value]))
      for (const k of cur.kpis) if (!NOW_ONLY.has(k.id)) k.previous = before.get(k.id) ?? null
    }
    cur.kpis.push(...reconKpiValues(recon?.get(plant)))
    return {
      plant,
      from: q.from,
      to: q.to,
      kpis: cur.kpis,
      health: plantHealth(cur.kpis, cur.stuckBeyondSla),
      stuckBeyondSla: cur.stuckBeyondSla,
      flows: cur.flows,
      buckets: stats.current.buckets.filter((b) => b.plant === plant),
      lines: stats.current.lines.filter((l) => l.plant === plant),
      hops: stats.current.hops.filter((h) => h.plant === plant),
      production: cur.prod,
      holds: cur.hold,
      e2eTargetS: targetOf(book, plant, '*', 'e2e_latency_p95').value,
    }
  })
}

/** The hour statistics' read for a window: its grain, and transaction states judged at `now` against the flows' SLAs. */
function statsQuery(book: SlaBook, q: { plants: readonly string[]; from: Date; to: Date; now: Date }) {
  return { plants: [...q.plants], from: q.from, to: q.to, stepSec: grainOf(q.from, q.to).stepSec, state: { now: q.now, slas: book.flowSlas(), defaultSlaMs: DEFAULT_FLOW_SLA_MS } }
}

/**
 * Only the flows of computeKpis, per plant: what alert rules on KPIs judge (kpis/alert-source.ts),
 * the same numbers from the same read, without the OEE, freshness, dead-letter and hold reads
 * they do not use (the worker evaluates every minute: bench suite `idle`).
 */
export async function computeFlowHealth(ctx: KpiCtx, q: { plants: readonly string[]; from: Date; to: Date; now: Date }): Promise<Map<string, FlowHealth[]>> {
  // Windows are by origin time: a plant with no hop event of an origin hour from the window's on
  // (hour_marks, written with the events) has no transaction in it, hence no flows — known from one
  // small read instead of the statistics' three (a demo without telemetry, a plant not connected yet).
  const seen = q.plants.length ? await plantNewestEvents(ctx.ch, { plants: [...q.plants], since: q.from, actor: ctx.actor }) : new Map<string, Date>()
  const plants = q.plants.filter((p) => seen.has(p))
  const flows = new Map<string, FlowHealth[]>(q.plants.map((p) => [p, []]))
  if (plants.length === 0) return flows
  const book = await loadSlaBook(ctx.db, plants)
  const stats = await readStats(ctx.ch, { ...statsQuery(book, { ...q, plants }), actor: ctx.actor })
  for (const plant of plants) flows.set(plant, flowsOf(book, stats.current, plant))
  return flows
}

const NOW_ONLY: ReadonlySet<KpiId> = new Set(['ingest_freshness', 'consumer_lag', 'dead_lettered_backlog'])
