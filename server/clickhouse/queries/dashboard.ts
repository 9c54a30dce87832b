import type { ClickHouse } from '../client'
import { chQuery, type Actor } from '../exec'
import { TXN_GROUP_BY } from './txn'
import { TXN_AGE_MS_SQL, TXN_SLA_MS_SQL, TXN_STATE_SQL, txnStateParams, type TxnStateParams } from './txn-state'
import { assertWindow } from './window'

/**
 * Reads of the sync-health dashboards that need whole transactions (txn_summary) or single hop
 * events (quality holds, equipment states). Rollup counts come from kpi.ts (flowKpi).
 *
 * `txnHealth` merges every transaction with origin in the window ONCE and answers, through
 * GROUPING SETS, both the per-bucket series (by origin bucket, and by posting bucket for the
 * backlog outflow) and the exact per-flow totals (quantiles over transactions, not over buckets).
 * Every count is per transaction after the merge, so re-sent events change nothing, and a late
 * posting updates its transaction, which stays in its origin bucket.
 */

const DAY_MS = 86_400_000

/** DateTime text as FORMAT JSON returns it ('YYYY-MM-DD hh:mm:ss[.sss]', UTC) → ms. */
export const utcMs = (text: string): number => Date.parse(`${text.replace(' ', 'T')}Z`)

export interface TxnHealthCounts {
  /** Transactions with origin in the window. */
  transactions: number
  /** Transactions with a posting request whose first attempt has an outcome. */
  settled: number
  first_attempt_ok: number
  /** Posting-flow transactions older than 24 h at `now` / of those, posted within 24 h of their source event. */
  older_24h: number
  posted_24h: number
  /** Transactions with a transient failure / of those, posted without a replay. */
  transient: number
  auto_recovered: number
  /** Open backlog by state (everything not posted). */
  open: number
  in_progress: number
  retrying: number
  waiting: number
  partial: number
  dead_lettered: number
  stuck: number
  /** Stuck for longer than the flow SLA again (age > 2 × SLA): the red condition of KPIS.md. */
  stuck_beyond_sla: number
  /** Transactions with more than one distinct ERP document. */
  duplicates: number
  /** Posted transactions and their exact e2e quantiles (ms). */
  posted: number
  e2e_p50_ms: number | null
  e2e_p95_ms: number | null
  /** Oldest open transaction's source time (ISO) and the p95 of open transactions' age (ms). */
  oldest_open: string | null
  open_age_p95_ms: number | null
}

export interface TxnHealthBucket {
  plant: string
  bucket: string
  /** Transactions whose source event falls in the bucket. */
  started: number
  /** Of all transactions of the window, those first posted in the bucket. */
  posted_in_bucket: number
  settled: number
  first_attempt_ok: number
  stuck: number
  e2e_p50_ms: number | null
  e2e_p95_ms: number | null
}

export interface TxnHealth {
  /** Per plant and flow ('*' = the whole plant). */
  totals: Array<TxnHealthCounts & { plant: string; flow: string }>
  buckets: TxnHealthBucket[]
}

const COUNTS = `count() AS transactions,
      countIf(req = 1 AND (first_attempt_ok = 1 OR has_error = 1 OR posted = 1)) AS settled,
      countIf(req = 1 AND first_attempt_ok = 1) AS first_ok,
      countIf(is_posting_flow AND age_ms > ${DAY_MS}) AS older_24h,
      countIf(is_posting_flow AND age_ms > ${DAY_MS} AND e2e_ms >= 0 AND e2e_ms <= ${DAY_MS}) AS posted_24h,
      countIf(had_transient = 1) AS transient,
      countIf(had_transient = 1 AND posted = 1 AND replayed = 0) AS auto_recovered,
      countIf(state != 'posted') AS open,
      countIf(state = 'in_progress') AS in_progress,
      countIf(state = 'retrying') AS retrying,
      countIf(state = 'waiting') AS waiting,
      countIf(state = 'partial') AS partial,
      countIf(state = 'dead_lettered') AS dead_lettered,
      countIf(state = 'stuck') AS stuck,
      countIf(state = 'stuck' AND age_ms > 2 * sla_ms) AS stuck_beyond_sla,
      countIf(documents > 1) AS duplicates,
      countIf(e2e_ms >= 0) AS posted_txns,
      quantilesExactIf(0.5, 0.95)(e2e_ms, e2e_ms >= 0) AS e2e_q,
      minIf(origin_time, state != 'posted') AS oldest_open_t,
      quantileExactIf(0.95)(age_ms, state != 'posted') AS open_age_p95`

/** grouping(flow, ob, pb) of each grouping set (standard SQL: a bit is 1 when the key is aggregated away). */
const SET = { byOrigin: 0b101, byPosting: 0b110, byFlow: 0b011, plant: 0b111 } as const

/**
 * Per-transaction health over transactions with origin in [from, to), for each plant: totals per
 * flow and for the plant, and a series by `stepSec` buckets of origin (and of first posting).
 */
export async function txnHealth(
  ch: ClickHouse,
  q: { plants: string[]; from: Date; to: Date; stepSec: number; state: TxnStateParams; actor?: Actor },
): Promise<TxnHealth> {
  assertWindow(q.from, q.to)
  if (q.plants.length === 0) return { totals: [], buckets: [] }
  type Row = Omit<TxnHealthCounts, 'e2e_p50_ms' | 'e2e_p95_ms' | 'oldest_open' | 'open_age_p95_ms' | 'first_attempt_ok' | 'posted'> & {
    first_ok: number
    posted_txns: number
    plant: string
    flow: string
    ob: string
    pb: string | null
    set: number
    e2e_q: Array<number | null>
    oldest_open_t: string
    open_age_p95: number | null
  }
  const { rows } = await chQuery<Row>(ch, {
    name: 'dashboard.txnHealth',
    sql: `SELECT plant, flow, ob, pb, grouping(flow, ob, pb) AS set,
            ${COUNTS}
          FROM (
            SELECT *, ${TXN_STATE_SQL} AS state, ${TXN_AGE_MS_SQL} AS age_ms, ${TXN_SLA_MS_SQL} AS sla_ms,
              has({stPostingFlows:Array(String)}, flow) AS is_posting_flow,
              if(first_posted_at IS NULL, -1, dateDiff('millisecond', origin_time, assumeNotNull(first_posted_at))) AS e2e_ms,
              toStartOfInterval(origin_time, INTERVAL {step:UInt32} SECOND) AS ob,
              if(first_posted_at IS NULL, NULL, toStartOfInterval(assumeNotNull(first_posted_at), INTERVAL {step:UInt32} SECOND)) AS pb
            FROM (
              SELECT plant, flow, origin_time, correlation_id,
                max(s.posted) AS posted,
                -- The state of a posted transaction is "posted" whatever its last status: merge the
                -- status (the costly part) only for parts of unposted transactions.
                argMaxMergeIf(s.last_status, s.posted = 0) AS last_status,
                max(s.dead_lettered) AS dead_lettered,
                max(s.replayed) AS replayed,
                groupUniqArrayArray(s.error_categories) AS error_categories,
                max(s.posting_requested) AS req,
                max(s.first_attempt_ok) AS first_attempt_ok,
                max(s.has_error) AS has_error,
                max(s.had_transient) AS had_transient,
                min(s.first_posted_at) AS first_posted_at,
                length(groupUniqArrayArray(s.erp_documents)) AS documents
              FROM ${ch.database}.txn_summary AS s
              WHERE plant IN {plants:Array(String)}
                AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}
              ${TXN_GROUP_BY}
            )
          )
          GROUP BY GROUPING SETS ((plant, ob), (plant, pb), (plant, flow), (plant))
          SETTINGS group_by_use_nulls = 0, force_grouping_standard_compatibility = 1`,
    params: { plants: q.plants, from: q.from, to: q.to, step: q.stepSec, ...txnStateParams(q.state) },
    actor: q.actor,
  })
  const num = (v: unknown) => Number(v ?? 0)
  const quantile = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(Number(v)) ? null : Number(v))
  const totals: TxnHealth['totals'] = []
  const buckets = new Map<string, TxnHealthBucket>()
  const bucketOf = (plant: string, bucket: string) => {
    const key = `${plant}|${bucket}`
    let b = buckets.get(key)
    if (!b) {
      b = { plant, bucket, started: 0, posted_in_bucket: 0, settled: 0, first_attempt_ok: 0, stuck: 0, e2e_p50_ms: null, e2e_p95_ms: null }
      buckets.set(key, b)
    }
    return b
  }
  for (const r of rows) {
    const set = num(r.set)
    const posted = num(r.posted_txns)
    if (set === SET.byOrigin) {
      Object.assign(bucketOf(r.plant, r.ob), {
        started: num(r.transactions),
        settled: num(r.settled),
        first_attempt_ok: num(r.first_ok),
        stuck: num(r.stuck),
        e2e_p50_ms: posted ? quantile(r.e2e_q[0]) : null,
        e2e_p95_ms: posted ? quantile(r.e2e_q[1]) : null,
      })
    } else if (set === SET.byPosting) {
      if (r.pb !== null) bucketOf(r.plant, r.pb).posted_in_bucket = num(r.transactions)
    } else {
      const open = num(r.open)
      totals.push({
        plant: r.plant,
        flow: set === SET.byFlow ? r.flow : '*',
        transactions: num(r.transactions),
        settled: num(r.settled),
        first_attempt_ok: num(r.first_ok),
        older_24h: num(r.older_24h),
        posted_24h: num(r.posted_24h),
        transient: num(r.transient),
        auto_recovered: num(r.auto_recovered),
        open,
        in_progress: num(r.in_progress),
        retrying: num(r.retrying),
        waiting: num(r.waiting),
        partial: num(r.partial),
        dead_lettered: num(r.dead_lettered),
        stuck: num(r.stuck),
        stuck_beyond_sla: num(r.stuck_beyond_sla),
        duplicates: num(r.duplicates),
        posted,
        e2e_p50_ms: posted ? quantile(r.e2e_q[0]) : null,
        e2e_p95_ms: posted ? quantile(r.e2e_q[1]) : null,
        oldest_open: open ? new Date(utcMs(r.oldest_open_t)).toISOString() : null,
        open_age_p95_ms: open ? quantile(r.open_age_p95) : null,
      })
    }
  }
  return { totals, buckets: [...buckets.values()].sort((a, b) => a.bucket.localeCompare(b.bucket)) }
}

export interface HoldStats {
  plant: string
  holds: number
  /** Holds applied in MES, WMS and ERP. */
  propagated: number
  /** p95 / max over propagated holds of max(applied) − placed, ms. */
  propagation_p95_ms: number | null
  propagation_max_ms: number | null
  /** p95 per system of applied − placed, ms (null when that system applied none). */
  mes_p95_ms: number | null
  wms_p95_ms: number | null
  erp_p95_ms: number | null
  /** Consumption or shipment transactions of a held lot between hold placed and released. */
  leaks: number
}

/** Quality holds with origin in [from, to): one row per hold transaction (times are min/max, duplicate-safe). */
const HOLDS_SQL = (db: string) => `SELECT plant, correlation_id, anyIf(lot, lot != '') AS held_lot,
    minIfOrNull(occurred_at, event_type = 'quality.hold_placed') AS placed,
    maxIfOrNull(occurred_at, event_type = 'quality.hold_released') AS released,
    minIfOrNull(occurred_at, event_type = 'quality.hold_applied' AND hop = 'mes') AS mes,
    minIfOrNull(occurred_at, event_type = 'quality.hold_applied' AND hop = 'wms') AS wms,
    minIfOrNull(occurred_at, event_type = 'quality.hold_applied' AND hop = 'erp') AS erp
  FROM ${db}.hop_events
  WHERE plant IN {plants:Array(String)} AND flow = 'quality_hold'
    AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}
  GROUP BY plant, correlation_id
  HAVING placed IS NOT NULL`

/** Quality hold propagation time and leakage (KPIS.md, flow-specific) per plant. */
export async function holdStats(ch: ClickHouse, q: { plants: string[]; from: Date; to: Date; actor?: Actor }): Promise<HoldStats[]> {
  assertWindow(q.from, q.to)
  if (q.plants.length === 0) return []
  const db = ch.database
  const ms = (col: string) => `dateDiff('millisecond', placed, assumeNotNull(${col}))`
  const params = { plants: q.plants, from: q.from, to: q.to, leakTo: new Date(q.to.getTime() + DAY_MS) }
  const [stats, leaks] = await Promise.all([
    chQuery<Omit<HoldStats, 'leaks'> & { q: number[] }>(ch, {
      name: 'dashboard.holds',
      sql: `SELECT plant, count() AS holds,
              countIf(mes IS NOT NULL AND wms IS NOT NULL AND erp IS NOT NULL) AS propagated,
              quantileExactIf(0.95)(greatest(${ms('mes')}, ${ms('wms')}, ${ms('erp')}), mes IS NOT NULL AND wms IS NOT NULL AND erp IS NOT NULL) AS propagation_p95_ms,
              maxIf(greatest(${ms('mes')}, ${ms('wms')}, ${ms('erp')}), mes IS NOT NULL AND wms IS NOT NULL AND erp IS NOT NULL) AS propagation_max_ms,
              quantileExactIf(0.95)(${ms('mes')}, mes IS NOT NULL) AS mes_p95_ms,
              quantileExactIf(0.95)(${ms('wms')}, wms IS NOT NULL) AS wms_p95_ms,
              quantileExactIf(0.95)(${ms('erp')}, erp IS NOT NULL) AS erp_p95_ms
            FROM (${HOLDS_SQL(db)})
            GROUP BY plant`,
      params,
      actor: q.actor,
    }),
    // A leak is a consuming/shipping transaction of the held lot after the hold was placed and
    // before it was released; counted once per transaction whatever the re-sends.
    chQuery<{ plant: string; leaks: number }>(ch, {
      name: 'dashboard.holdLeaks',
      sql: `SELECT h.plant AS plant, uniqExact(c.correlation_id) AS leaks
            FROM (
              SELECT plant, correlation_id, lot, occurred_at FROM ${db}.hop_events
              WHERE plant IN {plants:Array(String)} AND event_type IN ('inventory.material_consumed', 'shipment.loaded') AND lot != ''
                AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {leakTo:DateTime64(3, 'UTC')}
            ) AS c
            INNER JOIN (${HOLDS_SQL(db)}) AS h ON c.plant = h.plant AND c.lot = h.held_lot
            WHERE c.occurred_at > h.placed AND (h.released IS NULL OR c.occurred_at < h.released)
            GROUP BY h.plant`,
      params,
      actor: q.actor,
    }),
  ])
  const leaksBy = new Map(leaks.rows.map((r) => [r.plant, Number(r.leaks)]))
  const nz = (holds: number, v: unknown) => (holds && v !== null && v !== undefined && !Number.isNaN(Number(v)) ? Number(v) : null)
  return stats.rows.map((r) => {
    const propagated = Number(r.propagated)
    return {
      plant: r.plant,
      holds: Number(r.holds),
      propagated,
      propagation_p95_ms: nz(propagated, r.propagation_p95_ms),
      propagation_max_ms: nz(propagated, r.propagation_max_ms),
      mes_p95_ms: nz(1, r.mes_p95_ms),
      wms_p95_ms: nz(1, r.wms_p95_ms),
      erp_p95_ms: nz(1, r.erp_p95_ms),
      leaks: leaksBy.get(r.plant) ?? 0,
    }
  })
}

export interface ProductionStats {
  plant: string
  line: string
  /** Time in states other than PLANNED_STOP / in RUNNING, ms (ISO 22400 planned busy / producing time). */
  busy_ms: number
  running_ms: number
  good: number
  scrap: number
  /** Σ ideal cycle time × produced quantity, ms. */
  ideal_ms: number
}

/**
 * Equipment-state durations and production counts per plant and line (ISO 22400 inputs) for events
 * with origin in [from, to). Each state change reports how long the previous state lasted; each
 * count reports good/scrap and the ideal cycle time. One value per event_id: re-sends count once.
 */
export async function productionStats(ch: ClickHouse, q: { plants: string[]; from: Date; to: Date; actor?: Actor }): Promise<ProductionStats[]> {
  assertWindow(q.from, q.to)
  if (q.plants.length === 0) return []
  const { rows } = await chQuery<ProductionStats>(ch, {
    name: 'dashboard.production',
    sql: `SELECT plant, line,
            sumIf(duration, previous != 'PLANNED_STOP' AND previous != '' AND previous != 'OFFLINE') AS busy_ms,
            sumIf(duration, previous = 'RUNNING') AS running_ms,
            sum(e_good) AS good, sum(e_scrap) AS scrap, sum(e_ideal * (e_good + e_scrap)) AS ideal_ms
          FROM (
            SELECT plant, line, event_id,
              any(if(event_type = 'shopfloor.equipment_state_changed', attributes['previous_state'], '')) AS previous,
              any(if(event_type = 'shopfloor.equipment_state_changed', toUInt64OrZero(attributes['previous_duration_ms']), 0)) AS duration,
              any(if(event_type = 'shopfloor.production_counted', qty_good, 0)) AS e_good,
              any(if(event_type = 'shopfloor.production_counted', qty_scrap, 0)) AS e_scrap,
              any(if(event_type = 'shopfloor.production_counted', toFloat64OrZero(attributes['ideal_cycle_time_ms']), 0)) AS e_ideal
            FROM ${ch.database}.hop_events
            WHERE plant IN {plants:Array(String)} AND flow IN ('equipment_state', 'production_confirmation')
              AND event_type IN ('shopfloor.equipment_state_changed', 'shopfloor.production_counted')
              AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}
            GROUP BY plant, line, event_id
          )
          GROUP BY plant, line
          ORDER BY plant, line`,
    params: { plants: q.plants, from: q.from, to: q.to },
    actor: q.actor,
  })
  return rows.map((r) => ({
    plant: r.plant,
    line: r.line,
    busy_ms: Number(r.busy_ms),
    running_ms: Number(r.running_ms),
    good: Number(r.good),
    scrap: Number(r.scrap),
    ideal_ms: Number(r.ideal_ms),
  }))
}
