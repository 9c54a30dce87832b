import type { ClickHouse } from '../../clickhouse/client'
import { plantNewestEvents, plantsSeenBetween, stuckTransactions } from '../../clickhouse/queries/alerts'
import { flowKpi, type FlowKpiRow } from '../../clickhouse/queries/kpi'
import type { TxnStateParams } from '../../clickhouse/queries/txn-state'
import type { Actor } from '../../clickhouse/exec'
import type { Ctx } from '../../context/ctx'
import type { AlertKpi } from '../../domain/alerts'
import { OPEN_DEAD_LETTER_STATUSES } from '../../domain/dead-letters'
import { localIngestStatus } from '../../ingest-status'

/**
 * What alert conditions read, behind small interfaces so a condition never knows where a number
 * comes from. `KpiSource` answers kpi_sla rules from the dashboards' KPI service
 * (`services/kpis/alert-source.ts`), so an alert judges exactly the numbers the plant dashboard shows;
 * tests pass their own to `evaluateAlerts(ctx, { kpi })`.
 *
 * Sources live for one evaluation and read each rollup once per distinct window for every plant of
 * the evaluation (memoised, grouped by plant): a tick costs a handful of queries, not one per rule.
 */

export interface KpiScope {
  plant: string
  /** A flow, or '*' for every flow of the plant. */
  flow: string
  from: Date
  to: Date
}

export interface KpiReading {
  /** The flow the value is about; '*' when it covers every flow. */
  flow: string
  /** null when nothing was measured (no transaction in the window). */
  value: number | null
  /** Transactions (or posting requests) behind the value. */
  samples: number
}

export interface KpiSource {
  /**
   * A KPI of the plant over [from, to). Latency answers per flow (quantiles do not add up across
   * flows, and each flow has its own SLA); rates answer once for the scope.
   */
  read(kpi: AlertKpi, scope: KpiScope): Promise<KpiReading[]>
}

export interface StuckReading {
  stuck: number
  oldest: Date | null
}

export interface AlertSources {
  kpi: KpiSource
  /** Open dead letters of the plant (and flow) and when the oldest was dead-lettered. */
  deadLetters(plant: string, flow: string): Promise<{ open: number; oldest: Date | null }>
  stuck(q: { plant: string; flow: string; line: string | null; from: Date; extraMs: number; state: TxnStateParams }): Promise<StuckReading>
  /** Occurrence time of the plant's newest hop event (transactions that started since `since`). */
  newestEvent(plant: string, since: Date): Promise<Date | null>
  /** Whether the plant sent any telemetry in the day before `at` (was Linetrace observing it then?). */
  observedBefore(plant: string, at: Date): Promise<boolean>
  /** The ingest consumer lag in records, when this process runs the worker. */
  ingestLag(): number | null
  /** Successful ERP postings of the plant (flow '*' = any, line null = any) in [from, to). */
  postings(q: { plant: string; flow: string; line: string | null; from: Date; to: Date }): Promise<number>
}

/** One promise per key for the lifetime of the sources (one evaluation). */
function memo<T>() {
  const cache = new Map<string, Promise<T>>()
  return (key: string, load: () => Promise<T>): Promise<T> => {
    let hit = cache.get(key)
    if (!hit) {
      hit = load()
      cache.set(key, hit)
    }
    return hit
  }
}

const matches = (flow: string) => (row: { flow?: string }) => flow === '*' || row.flow === flow
const windowKey = (from: Date, to: Date) => `${from.getTime()}|${to.getTime()}`

/** Minute rollups by plant, hop, flow and line for every plant, once per window. */
function minuteRollups(ch: ClickHouse, actor: Actor, plants: string[]) {
  const cached = memo<FlowKpiRow[]>()
  return (from: Date, to: Date) =>
    cached(windowKey(from, to), () => flowKpi(ch, { plants, from, to, grain: '1m', by: ['plant', 'hop', 'flow', 'line'], actor }))
}

export function createAlertSources(
  { db, ch, actor }: Pick<Ctx, 'db' | 'ch' | 'actor'>,
  deps: {
    /** The plants this evaluation reads (those with enabled rules). */
    plants: string[]
    /** The KPI numbers kpi_sla rules judge (the dashboards' KPI service: kpis/alert-source.ts). */
    kpi: KpiSource
    ingestLag?: () => number | null
  },
): AlertSources {
  const { plants } = deps
  const rollups = minuteRollups(ch, actor, plants)
  const deadLetters = memo<Array<{ plant: string | null; flow: string | null; open: number; oldest: Date | null }>>()
  const loadDeadLetters = async () => {
    const groups = await db.deadLetter.groupBy({
      by: ['plantCode', 'flow'],
      where: { plantCode: { in: plants }, status: { in: [...OPEN_DEAD_LETTER_STATUSES] } },
      _count: { _all: true },
      _min: { recordTimestamp: true },
    })
    return groups.map((g) => ({ plant: g.plantCode, flow: g.flow, open: g._count._all, oldest: g._min.recordTimestamp }))
  }
  const stuck = memo<Awaited<ReturnType<typeof stuckTransactions>>>()
  const newest = memo<Map<string, Date>>()
  const seen = memo<Set<string>>()
  return {
    kpi: deps.kpi,
    async deadLetters(plant, flow) {
      const mine = (await deadLetters('all', loadDeadLetters)).filter((g) => g.plant === plant && (flow === '*' || g.flow === flow))
      const oldest = mine.map((g) => g.oldest).filter((d): d is Date => d !== null)
      return { open: mine.reduce((n, g) => n + g.open, 0), oldest: oldest.length ? new Date(Math.min(...oldest.map((d) => d.getTime()))) : null }
    },
    async stuck(q) {
      const groups = (await stuck(`${q.from.getTime()}|${q.extraMs}|${q.state.now.getTime()}`, () => stuckTransactions(ch, { plants, from: q.from, extraMs: q.extraMs, state: q.state, actor }))).filter(
        (g) => g.plant === q.plant && matches(q.flow)(g) && (q.line === null || g.line === q.line),
      )
      const oldest = groups.map((g) => g.oldest).filter((d): d is Date => d !== null)
      return { stuck: groups.reduce((n, g) => n + g.stuck, 0), oldest: oldest.length ? new Date(Math.min(...oldest.map((d) => d.getTime()))) : null }
    },
    async newestEvent(plant, since) {
      return (await newest(String(since.getTime()), () => plantNewestEvents(ch, { plants, since, actor }))).get(plant) ?? null
    },
    async observedBefore(plant, at) {
      const since = new Date(at.getTime() - 24 * 3_600_000)
      return (await seen(String(at.getTime()), () => plantsSeenBetween(ch, { plants, since, before: at, actor }))).has(plant)
    },
    ingestLag: deps.ingestLag ?? (() => localIngestStatus()?.lag ?? null),
    async postings(q) {
      const rows = await rollups(q.from, q.to)
      return rows
        .filter((r) => r.plant === q.plant && r.hop === 'erp' && matches(q.flow)(r) && (q.line === null || r.line === q.line))
        .reduce((n, r) => n + r.posting_successes, 0)
    },
  }
}
