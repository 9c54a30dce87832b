import type { ClickHouse } from '../client'
import { chQuery, identifier, type Actor } from '../exec'
import { FLOW_COUNTERS, FLOW_KPI_TABLE, countOf } from './flow-counts'
import { assertWindow, ceilTo, floorTo } from './window'

/**
 * Dashboard reads from the rollups (never from hop_events). Read pattern: GROUP BY the wanted
 * dimensions and merge the states: an exact count per counter (flow-counts.ts), quantilesTDigestMerge for
 * latency, max for latency_max. Definitions of each count are in 0014_flow_kpi_counter_rows.sql.
 */

export const KPI_DIMENSIONS = ['plant', 'flow', 'hop', 'line', 'bucket'] as const
export type KpiDimension = (typeof KPI_DIMENSIONS)[number]

export interface FlowKpiRow {
  plant?: string
  flow?: string
  hop?: string
  line?: string
  bucket?: string
  events: number
  errors: number
  errors_transient: number
  errors_dependency: number
  errors_permanent: number
  errors_partial: number
  dead_lettered: number
  posting_requests: number
  posting_successes: number
  posting_first_attempt_successes: number
  posting_failures: number
  /** t-digest estimates of p50, p90, p95, p99; null when no latency was reported. */
  latency_p50: number | null
  latency_p90: number | null
  latency_p95: number | null
  latency_p99: number | null
  latency_max: number | null
}

const GRAIN = { '1m': { table: FLOW_KPI_TABLE['1m'], step: 60_000 }, '1h': { table: FLOW_KPI_TABLE['1h'], step: 3_600_000 } }

/**
 * Flow KPIs for the buckets overlapping [from, to), grouped by the whitelisted dimensions.
 */
export async function flowKpi(
  ch: ClickHouse,
  q: { plants: string[]; from: Date; to: Date; grain: '1m' | '1h'; by: readonly string[]; actor?: Actor },
): Promise<FlowKpiRow[]> {
  assertWindow(q.from, q.to)
  if (q.plants.length === 0) return []
  const { table, step } = GRAIN[q.grain]
  const dims = q.by.map((d) => identifier(d, KPI_DIMENSIONS))
  const dimList = dims.join(', ')
  const { rows } = await chQuery<FlowKpiRow & { q: Array<number | null> }>(ch, {
    name: `kpi.flow_${q.grain}`,
    sql: `SELECT ${dims.length ? `${dimList},` : ''}
            ${FLOW_COUNTERS.map((c) => `${countOf(c)} AS ${c}`).join(',\n            ')},
            quantilesTDigestMerge(0.5, 0.9, 0.95, 0.99)(latency_quantiles) AS q, max(latency_max) AS latency_max
          FROM ${ch.database}.${table}
          WHERE plant IN {plants:Array(String)}
            AND bucket >= {from:DateTime64(3, 'UTC')} AND bucket < {to:DateTime64(3, 'UTC')}
          ${dims.length ? `GROUP BY ${dimList} ORDER BY ${dimList}` : ''}`,
    params: { plants: q.plants, from: floorTo(q.from, step), to: ceilTo(q.to, step) },
    actor: q.actor,
  })
  return rows.map(({ q: quantiles, ...r }) => {
    // No latency sample at all: the t-digest returns NaN (null in JSON) or 0 depending on version;
    // latency_max (NULL) is the reliable "nothing reported" signal.
    const none = r.latency_max === null
    const at = (i: number) => (none ? null : (quantiles?.[i] ?? null))
    return { ...r, latency_p50: at(0), latency_p90: at(1), latency_p95: at(2), latency_p99: at(3) }
  })
}

export interface E2eTxnRow {
  plant: string
  flow: string
  origin_hour: string
  correlation_id: string
  e2e_ms: number
  first_posted_at: string
}

/** Per-transaction e2e latency (first successful ERP posting − origin) for origin hours overlapping [from, to). */
export async function e2eTransactions(
  ch: ClickHouse,
  q: { plants: string[]; from: Date; to: Date; limit?: number; actor?: Actor },
): Promise<E2eTxnRow[]> {
  assertWindow(q.from, q.to)
  if (q.plants.length === 0) return []
  const { rows } = await chQuery<E2eTxnRow>(ch, {
    name: 'kpi.e2eTransactions',
    sql: `SELECT plant, flow, origin_hour, correlation_id,
            min(e2e_ms) AS e2e_ms, min(first_posted_at) AS first_posted_at
          FROM ${ch.database}.e2e_kpi_1h
          WHERE plant IN {plants:Array(String)}
            AND origin_hour >= {from:DateTime64(3, 'UTC')} AND origin_hour < {to:DateTime64(3, 'UTC')}
          GROUP BY plant, flow, origin_hour, correlation_id
          ORDER BY e2e_ms DESC, correlation_id
          LIMIT {limit:UInt32}`,
    params: { plants: q.plants, from: floorTo(q.from, 3_600_000), to: ceilTo(q.to, 3_600_000), limit: q.limit ?? 1000 },
    actor: q.actor,
  })
  return rows
}

export interface E2eLatencyRow {
  plant: string
  flow: string
  transactions: number
  p50_ms: number
  p95_ms: number
  max_ms: number
}

/**
 * E2E posting latency per plant and flow over transactions whose origin hour overlaps [from, to).
 * Exact: first the per-transaction minimum (absorbs re-sent and repeated postings), then
 * quantileExact over transactions (the element at floor(level × n) of the sorted values).
 */
export async function e2eLatency(
  ch: ClickHouse,
  q: { plants: string[]; from: Date; to: Date; actor?: Actor },
): Promise<E2eLatencyRow[]> {
  assertWindow(q.from, q.to)
  if (q.plants.length === 0) return []
  const { rows } = await chQuery<{ plant: string; flow: string; transactions: number; q: number[]; max_ms: number }>(ch, {
    name: 'kpi.e2eLatency',
    sql: `SELECT plant, flow, count() AS transactions,
            quantilesExact(0.5, 0.95)(e2e) AS q, max(e2e) AS max_ms
          FROM (
            SELECT plant, flow, correlation_id, min(e2e_ms) AS e2e
            FROM ${ch.database}.e2e_kpi_1h
            WHERE plant IN {plants:Array(String)}
              AND origin_hour >= {from:DateTime64(3, 'UTC')} AND origin_hour < {to:DateTime64(3, 'UTC')}
            GROUP BY plant, flow, origin_hour, correlation_id
          )
          GROUP BY plant, flow
          ORDER BY plant, flow`,
    params: { plants: q.plants, from: floorTo(q.from, 3_600_000), to: ceilTo(q.to, 3_600_000) },
    actor: q.actor,
  })
  return rows.map(({ q: quantiles, ...r }) => ({ ...r, p50_ms: quantiles[0] ?? 0, p95_ms: quantiles[1] ?? 0 }))
}
