import type { ClickHouse } from '../client'
import { chCommand, chQuery } from '../exec'
import { toChDateTime } from '../../domain/ch-time'
import { baseParams, mergedTxnSql, type ReconWindow } from './reconciliation'
import { ensureStoredHours, refreshStaleHours, type StaleHour } from './reconciliation-hours'
import { SMALL_READ } from './small-read'
import { txnSlaMs } from './txn-state'

/**
 * The two reconciliation KPIs of a plant over [from, to) by origin time, from per-hour sets
 * (recon_kpi_hour, 0009_recon_kpi_hours.sql) kept current against hour_marks like the summary's
 * (reconciliation-hours.ts). Whole hours inside the window are read stored (stale ones computed
 * first); the partial hours at its edges are computed live by the same SQL, so the numbers are
 * those of a scan of every transaction of the window (server/clickhouse/testing/recon-kpis-raw.ts,
 * which the tests compare against).
 *
 * Quantity gap per work order: abs(Σ MES good − Σ ERP confirmed) / Σ MES good over its production
 * confirmations that are settled (posted, or a difference "never posted"; in-flight ones would make
 * every running order look short). An order is closed when a TECO/CLSD status change for it is seen
 * in the window or the 30 days before it. Inventory posting delay: p95 / max of first posting −
 * material movement over posted goods movements and transfers (exact: every delay is kept).
 */

export interface ReconKpiRow {
  /** Closed work orders (TECO/CLSD seen up to now) with confirmations in the window, and the largest gap among them (%). */
  closed_orders: number
  closed_with_gap: number
  closed_max_gap_pct: number | null
  /** Orders not closed yet: the gap over their settled confirmations (in-flight ones left out on both sides). */
  running_orders: number
  running_with_gap: number
  running_max_gap_pct: number | null
  /** Inventory posting delay: posted movements (goods movements, transfers) and p95 / max of posted − moved (ms). */
  movements: number
  delay_p95_ms: number | null
  delay_max_ms: number | null
}

const HOUR = 3_600_000
const ORDER_FLOW = 'production_confirmation'
const KPI_FLOWS = [ORDER_FLOW, 'goods_movement', 'inventory_transfer']

/**
 * Per origin hour and work order (movements under work order ''): the columns of recon_kpi_hour but
 * the key's, from the merged transactions of the window narrowed by `extraWhere`, split by
 * `periodSql` (a read's previous period; a refresh has one). An alias never equals a column of the
 * merged rows (it would shadow that column inside the aggregates).
 */
function hourSetsSql(ch: ClickHouse, extraWhere: string, periodSql = '0'): string {
  return `
    SELECT plant, period, hour, wo, countIf(settled) AS n_settled, sumIf(src, settled) AS s_src, sumIf(erp, settled) AS s_erp,
      groupArrayIf((origin_time, src), open) AS open_list, groupArrayIf(delay, moved) AS delays
    FROM (
      SELECT plant, toUInt8(${periodSql}) AS period, toStartOfHour(toDateTime(origin_time)) AS hour, origin_time,
        if(flow = '${ORDER_FLOW}', work_order, '') AS wo,
        flow = '${ORDER_FLOW}' AND work_order != '' AS is_order,
        is_order AND (first_posted_at IS NOT NULL OR parked) AS settled,
        is_order AND first_posted_at IS NULL AND NOT parked AS open,
        ifNull(source_qty, 0) AS src, ifNull(erp_qty, 0) AS erp,
        flow IN ('goods_movement', 'inventory_transfer') AND movement_at IS NOT NULL AND first_posted_at IS NOT NULL AS moved,
        ifNull(dateDiff('millisecond', movement_at, first_posted_at), 0) AS delay
      FROM (${mergedTxnSql(ch, extraWhere)})
    )
    GROUP BY plant, period, hour, wo`
}

/** Compute and store the sets of these hours (their marks read before, by the staleness check: late events re-stale them). */
async function refreshKpiHours(ch: ClickHouse, w: ReconWindow, hours: readonly StaleHour[]): Promise<void> {
  const keys = hours.map((h) => toChDateTime(h.bucket).slice(0, 19))
  const from = hours[0]!.bucket
  const to = new Date(hours.at(-1)!.bucket.getTime() + HOUR)
  await chCommand(ch, {
    name: 'reconciliation.refreshKpiHours',
    // The marker rows make the '' row of every hour, with or without transactions of these flows.
    sql: `INSERT INTO ${ch.database}.recon_kpi_hour (plant, bucket, work_order, computed_at, marks, settled_txns, settled_src, settled_erp, open_txns, delays_ms)
          SELECT {plant:String}, hour, wo, {computedAt:DateTime64(3, 'UTC')},
            transform(toString(hour), {keys:Array(String)}, {events:Array(UInt64)}, toUInt64(0)),
            sum(n_settled), sum(s_src), sum(s_erp), groupArrayArray(open_list), groupArrayArray(delays)
          FROM (
            SELECT hour, wo, n_settled, s_src, s_erp, open_list, delays FROM (${hourSetsSql(ch, '')}) WHERE toString(hour) IN {keys:Array(String)}
            UNION ALL
            SELECT toDateTime(arrayJoin({keys:Array(String)}), 'UTC') AS hour, '' AS wo, toUInt64(0) AS n_settled, toFloat64(0) AS s_src,
              toFloat64(0) AS s_erp, CAST([], 'Array(Tuple(DateTime64(3, \\'UTC\\'), Float64))') AS open_list, CAST([], 'Array(Int64)') AS delays
          )
          GROUP BY hour, wo`,
    params: { ...baseParams({ ...w, from, to, flows: KPI_FLOWS }), computedAt: new Date(), keys, events: hours.map((h) => h.events) },
  })
}

/** The worker's share of the KPIs' hours (reconciliation-hours.ts, refreshStaleHours). */
export function refreshStaleKpiHours(ch: ClickHouse, q: { since: Date; until: Date; limit: number }): Promise<number> {
  return refreshStaleHours(ch, 'recon_kpi_hour', refreshKpiHours, q)
}

const ZERO: ReconKpiRow = {
  closed_orders: 0,
  closed_with_gap: 0,
  closed_max_gap_pct: null,
  running_orders: 0,
  running_with_gap: 0,
  running_max_gap_pct: null,
  movements: 0,
  delay_p95_ms: null,
  delay_max_ms: null,
}

const floorHour = (d: Date) => new Date(Math.floor(d.getTime() / HOUR) * HOUR)
const ceilHour = (d: Date) => new Date(Math.ceil(d.getTime() / HOUR) * HOUR)

/** The KPIs over [from, to). */
export async function reconKpis(ch: ClickHouse, w: Omit<ReconWindow, 'flows' | 'timeZone'>): Promise<ReconKpiRow> {
  return (await reconKpiPeriods(ch, w)).current
}

/**
 * The KPIs over [from, to) and, with `previousFrom`, over [previousFrom, from), in one query (on
 * chDB queries run one at a time: each one saved is its whole cost). Stored: the whole hours of
 * [previousFrom, to) but the one `from` splits; live: the partial hours at both ends and that one.
 */
export async function reconKpiPeriods(
  ch: ClickHouse,
  w: Omit<ReconWindow, 'flows' | 'timeZone'> & { previousFrom?: Date },
): Promise<{ current: ReconKpiRow; previous: ReconKpiRow | null }> {
  const start = w.previousFrom ?? w.from
  let stored = { from: ceilHour(start), to: floorHour(w.to) }
  if (stored.from >= stored.to) stored = { from: w.to, to: w.to }
  else await ensureStoredHours(ch, { ...w, ...stored, timeZone: 'UTC' }, 'recon_kpi_hour', refreshKpiHours)
  const split = { from: floorHour(w.from), to: ceilHour(w.from) }
  const inStored = `plant = {plant:String} AND bucket >= {sFrom:DateTime64(3, 'UTC')} AND bucket < {sTo:DateTime64(3, 'UTC')}
    AND (bucket < {splitFrom:DateTime64(3, 'UTC')} OR bucket >= {splitTo:DateTime64(3, 'UTC')})`
  const live = `AND (origin_time < {sFrom:DateTime64(3, 'UTC')} OR origin_time >= {sTo:DateTime64(3, 'UTC')}
    OR (origin_time >= {splitFrom:DateTime64(3, 'UTC')} AND origin_time < {splitTo:DateTime64(3, 'UTC')}))`
  const { rows } = await chQuery<ReconKpiRow & { period: number }>(ch, {
    name: 'reconciliation.kpis',
    // One pass: per period and work order (movements under ''), then per period. Every movement
    // delay goes into the quantile (-Array over the kept delays): exact, as over the transactions.
    // Few layers and the SLA as a constant: on chDB, analysing this query costs more than running it.
    sql: `SELECT period,
            countIf(is_order AND closed) AS closed_orders, countIf(is_order AND closed AND gap_pct > 0) AS closed_with_gap,
            maxIfOrNull(gap_pct, is_order AND closed AND gap_pct IS NOT NULL) AS closed_max_gap_pct,
            countIf(is_order AND NOT closed) AS running_orders, countIf(is_order AND NOT closed AND gap_pct > 0) AS running_with_gap,
            maxIfOrNull(gap_pct, is_order AND NOT closed AND gap_pct IS NOT NULL) AS running_max_gap_pct,
            sumIf(length(d), NOT is_order) AS movements, quantileExactArrayIf(0.95)(d, NOT is_order) AS delay_p95_ms,
            maxArrayIf(d, NOT is_order) AS delay_max_ms
          FROM (
            SELECT period, wo, wo != '' AS is_order,
              -- an open confirmation is settled ("never posted") once older than the flow SLA
              sum(n_settled + arrayCount(t -> dateDiff('millisecond', t.1, {stNow:DateTime64(3, 'UTC')}) > {slaMs:Int64}, open_list)) AS n_txns,
              sum(s_src + arraySum(t -> if(dateDiff('millisecond', t.1, {stNow:DateTime64(3, 'UTC')}) > {slaMs:Int64}, t.2, 0), open_list)) AS src,
              sum(s_erp) AS erp, groupArrayArray(delays) AS d,
              if(src > 0, 100 * abs(src - erp) / src, NULL) AS gap_pct,
              -- closed: a TECO/CLSD seen from 30 days before the period's start up to now. One set for
              -- both periods (a set fewer to analyse and build): a TECO since closedFrom closes the
              -- order in both, an earlier one (from closedFromPrev) in the previous period only.
              (wo, period) IN (
                SELECT work_order, p FROM ${ch.database}.recon_txn
                ARRAY JOIN if(origin_time >= {closedFrom:DateTime64(3, 'UTC')}, [0, 1], [1]) AS p
                WHERE plant = {plant:String} AND flow = 'work_order_release' AND closes_order = 1
                  AND origin_time >= {closedFromPrev:DateTime64(3, 'UTC')} AND origin_time < {stNow:DateTime64(3, 'UTC')}) AS closed
            FROM (
              SELECT toUInt8(bucket < {periodFrom:DateTime64(3, 'UTC')}) AS period, work_order AS wo, settled_txns AS n_settled,
                settled_src AS s_src, settled_erp AS s_erp, open_txns AS open_list, delays_ms AS delays
              FROM ${ch.database}.recon_kpi_hour
              WHERE ${inStored}
                AND (bucket, computed_at) IN (SELECT bucket, max(computed_at) FROM ${ch.database}.recon_kpi_hour WHERE ${inStored} GROUP BY bucket)
              UNION ALL
              SELECT period, wo, n_settled, s_src, s_erp, open_list, delays
              FROM (${hourSetsSql(ch, live, `origin_time < {periodFrom:DateTime64(3, 'UTC')}`)})
            )
            GROUP BY period, wo
            HAVING NOT is_order OR n_txns > 0
          )
          GROUP BY period`,
    params: {
      // the window of the live part is the whole read; the periods split at {periodFrom}
      ...baseParams({ ...w, from: start, flows: KPI_FLOWS, timeZone: 'UTC' }),
      periodFrom: w.from,
      slaMs: txnSlaMs(w.state, w.plant, ORDER_FLOW),
      closedFrom: new Date(w.from.getTime() - 30 * 86_400_000),
      closedFromPrev: new Date(start.getTime() - 30 * 86_400_000),
      sFrom: stored.from,
      sTo: stored.to,
      splitFrom: split.from,
      splitTo: split.to,
    },
    actor: w.actor,
    settings: SMALL_READ,
  })
  const of = (period: number): ReconKpiRow => {
    const r = rows.find((x) => Number(x.period) === period)
    return r ? reconKpiRow(r) : ZERO
  }
  return { current: of(0), previous: w.previousFrom ? of(1) : null }
}

/** A row of the KPI queries as numbers (ClickHouse answers 64-bit values as text); no movement, no delay. */
export function reconKpiRow(r: Record<keyof ReconKpiRow, unknown>): ReconKpiRow {
  const num = (v: unknown) => (v === null || v === undefined || Number.isNaN(Number(v)) ? null : Number(v))
  const moved = Number(r.movements) > 0
  return {
    closed_orders: Number(r.closed_orders),
    closed_with_gap: Number(r.closed_with_gap),
    closed_max_gap_pct: num(r.closed_max_gap_pct),
    running_orders: Number(r.running_orders),
    running_with_gap: Number(r.running_with_gap),
    running_max_gap_pct: num(r.running_max_gap_pct),
    movements: Number(r.movements),
    delay_p95_ms: moved ? num(r.delay_p95_ms) : null,
    delay_max_ms: moved ? num(r.delay_max_ms) : null,
  }
}
