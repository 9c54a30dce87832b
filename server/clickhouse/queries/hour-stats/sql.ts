import { postingFlowsParam, TXN_CLOSED_SQL, TXN_OPEN_STATE_SQL } from '../txn-state'
import { ceilTo, floorTo } from '../window'
import { FLOW_KPI_TABLE, countOf } from '../flow-counts'

/**
 * Per-bucket statistics of the dashboards (migration 0004_hour_stats.sql explains why they are
 * stored). ONE SQL computes them (`statsSql`, here): the worker stores its rows per origin hour in
 * hour_stats (`refreshHourStats`, store.ts); a read of whole hours first recomputes the hours that
 * are not stored or stale, and a read of minutes (windows up to 6 h) runs the same SQL live
 * (`readStats`, read.ts, whose rows assemble.ts turns into `Stats`).
 * Every number is exact: transactions are merged per transaction before
 * they are counted (re-sent events change nothing, a late posting updates its origin bucket), ERP
 * events are counted per bucket, production counts once per event_id.
 *
 * Definitions (per transaction, after the merge):
 *   settled         a posting request whose first attempt has an outcome (success or an error);
 *   first_ok        of those, posted at attempt 1 without a replay;
 *   posted, e2e     first successful ERP posting, and its time since the source event (stored as a
 *                   histogram to 3 significant digits: E2E_KEY_SQL);
 *   posted_24h      a posting flow posted within 24 h of its source event;
 *   auto_recovered  a transient failure, later posted, never replayed;
 *   duplicates      more than one distinct ERP document;
 *   open_*          not posted (TXN_CLOSED_SQL): source time and state apart from "stuck", which
 *                   depends on the time of the read (TXN_OPEN_STATE_SQL, stuck in `readStats`).
 */

const DAY_MS = 86_400_000

/** A plant's origin-time range [from, to) to compute. */
export interface StatsRange {
  plant: string
  from: Date
  to: Date
}

/** Count columns of a stats row, after its key (plant, bucket, flow, line, hop). */
export const NUMBERS = [
  'transactions', 'posting_txns', 'settled', 'first_ok', 'posted', 'posted_24h', 'transient', 'auto_recovered', 'duplicates',
  'erp_events', 'erp_errors', 'errors_transient', 'errors_dependency', 'errors_permanent', 'errors_partial', 'dead_lettered',
  'posting_requests', 'posting_successes', 'posting_failures', 'hop_events', 'hop_errors', 'busy_ms', 'running_ms', 'good', 'scrap', 'ideal_ms', 'unrated',
] as const
const ARRAYS = { open_origin: "Array(DateTime64(3, 'UTC'))", open_state: 'Array(LowCardinality(String))' } as const
const QUANTILES = ['e2e_p50_ms', 'e2e_p95_ms'] as const

const EMPTY_MAP = "CAST(map() AS Map(DateTime('UTC'), UInt32))"
/** Latency histograms (E2E per flow, latency per hop): milliseconds kept by `latencyKeySql` → count. */
const HISTOGRAMS = ['e2e_hist', 'latency_hist'] as const
const HIST_TYPE = 'Map(UInt32, UInt64)'

/**
 * The histogram key of a latency `ms` (UInt, ≥ 0): the value to 3 significant digits, rounded
 * half up in integers (exact below 1 s; 1,234 → 1,230; 123,456 → 123,000). Quantiles over stored
 * hours then sum a few thousand (key, count) pairs per flow or hop instead of every value, and stay
 * exact to the digits the dashboards show.
 */
const latencyKeySql = (ms: string) => {
  const step = `multiIf(${ms} < 10000, 10, ${ms} < 100000, 100, ${ms} < 1000000, 1000, ${ms} < 10000000, 10000, ${ms} < 100000000, 100000, 1000000)`
  return `toUInt32(if(${ms} < 1000, ${ms}, intDiv(${ms} + intDiv(${step}, 2), ${step}) * ${step}))`
}

/**
 * quantileExact's rule (the value at index floor(level × n) of the sorted values) over a histogram
 * with keys in ascending order (sumMap sorts them); NULL when it is empty.
 */
export const histQuantileSql = (hist: string, level: number) =>
  `if(empty(${hist}), NULL, mapKeys(${hist})[arrayFirstIndex(c -> c > floor(${level} * arraySum(mapValues(${hist}))), arrayCumSum(mapValues(${hist})))])`

/** One SELECT list giving every stats column: `own` names the part's own expressions, the rest are empty. */
function part(own: Record<string, string>): string {
  const col = (name: string, empty: string) => `${own[name] ?? empty} AS ${name}`
  return [
    ...NUMBERS.map((n) => col(n, '0')),
    ...Object.entries(ARRAYS).map(([n, type]) => col(n, `CAST([] AS ${type})`)),
    ...HISTOGRAMS.map((n) => col(n, `CAST(map() AS ${HIST_TYPE})`)),
    col('posted_at', EMPTY_MAP),
    ...QUANTILES.map((n) => col(n, 'CAST(NULL AS Nullable(UInt32))')),
  ].join(',\n      ')
}

/** Every column of a stats row after its key. */
export const STORED = [...NUMBERS, ...Object.keys(ARRAYS), ...HISTOGRAMS, 'posted_at', ...QUANTILES].join(', ')

const MERGED = [
  ...NUMBERS.map((n) => `sum(${n}) AS ${n}`),
  ...Object.keys(ARRAYS).map((n) => `groupArrayArray(${n}) AS ${n}`),
  ...HISTOGRAMS.map((n) => `sumMap(${n}) AS ${n}`),
  'sumMap(posted_at) AS posted_at',
  ...QUANTILES.map((n) => `max(${n}) AS ${n}`),
].join(', ')

/** `(plant = … AND <time> >= … AND <time> < …) OR …` over numbered parameters. */
export function rangesWhere(ranges: readonly StatsRange[], time: string, step: number, params: Record<string, unknown>, prefix: string): string {
  if (ranges.length === 0) return '0'
  return ranges
    .map((r, i) => {
      const k = `${prefix}${i}`
      // Rollup buckets are read whole: a bucket overlapping the range counts (window.ts).
      const bucketed = time === 'bucket'
      params[`${k}p`] = r.plant
      params[`${k}f`] = bucketed ? floorTo(r.from, step) : r.from
      params[`${k}t`] = bucketed ? ceilTo(r.to, step) : r.to
      return `(plant = {${k}p:String} AND ${time} >= {${k}f:DateTime64(3, 'UTC')} AND ${time} < {${k}t:DateTime64(3, 'UTC')})`
    })
    .join(' OR ')
}

/**
 * Stats rows by (plant, bucket, flow, line, hop) for transactions with origin in `ranges`, bucketed
 * by `stepSec` (60: the minute rollup for events, 3600: the hourly one). Adds its parameters to
 * `params`. Rows: (flow, '', '') transactions; (flow, line, '') ERP events and production;
 * ('', '', hop) events and latency by hop; ('*', '', '') the bucket's exact E2E quantiles over all flows.
 */
export function statsSql(db: string, ranges: readonly StatsRange[], stepSec: 60 | 3600, params: Record<string, unknown>): string {
  Object.assign(params, postingFlowsParam())
  const bucket = (t: string) => `toStartOfInterval(${t}, INTERVAL ${stepSec} SECOND)`
  const step = stepSec * 1000
  const rollup = FLOW_KPI_TABLE[stepSec === 60 ? '1m' : '1h']
  const txnWhere = rangesWhere(ranges, 'origin_time', step, params, 'r')
  const bucketWhere = rangesWhere(ranges, 'bucket', step, params, 'b')
  const whole = `if(grouping(flow) = 1, '*', flow)`
  const perFlow = (expr: string, empty: string) => `if(grouping(flow) = 1, ${empty}, ${expr})`
  return `SELECT plant, bucket, flow, line, hop, ${MERGED}
    FROM (
      SELECT plant, bucket, flow_or_all AS flow, line, hop, ${STORED} FROM (
      SELECT plant, bucket, ${whole} AS flow_or_all, '' AS line, '' AS hop, ${part({
        transactions: perFlow('count()', '0'),
        posting_txns: perFlow('countIf(is_posting_flow)', '0'),
        settled: perFlow('countIf(req = 1 AND (first_attempt_ok = 1 OR has_error = 1 OR t_e2e >= 0))', '0'),
        first_ok: perFlow('countIf(req = 1 AND first_attempt_ok = 1)', '0'),
        posted: perFlow('countIf(t_e2e >= 0)', '0'),
        posted_24h: perFlow(`countIf(is_posting_flow AND t_e2e >= 0 AND t_e2e <= ${DAY_MS})`, '0'),
        transient: perFlow('countIf(had_transient = 1)', '0'),
        auto_recovered: perFlow('countIf(had_transient = 1 AND t_e2e >= 0 AND replayed = 0)', '0'),
        duplicates: perFlow('countIf(documents > 1)', '0'),
        e2e_hist: perFlow(`sumMapIf(map(${latencyKeySql('t_e2e')}, toUInt64(1)), t_e2e >= 0)`, `CAST(map() AS ${HIST_TYPE})`),
        posted_at: perFlow(`sumMapIf(map(${bucket('assumeNotNull(first_posted_at)')}, toUInt32(1)), t_e2e >= 0)`, EMPTY_MAP),
        open_origin: perFlow('groupArrayIf(origin_time, closed = 0)', `CAST([] AS ${ARRAYS.open_origin})`),
        open_state: perFlow('groupArrayIf(open_state, closed = 0)', `CAST([] AS ${ARRAYS.open_state})`),
        e2e_p50_ms: `if(grouping(flow) = 1 AND countIf(t_e2e >= 0) > 0, toUInt32(quantileExactIf(0.5)(t_e2e, t_e2e >= 0)), NULL)`,
        e2e_p95_ms: `if(grouping(flow) = 1 AND countIf(t_e2e >= 0) > 0, toUInt32(quantileExactIf(0.95)(t_e2e, t_e2e >= 0)), NULL)`,
      })}
      FROM (
        SELECT *, ${bucket('origin_time')} AS bucket, ${TXN_CLOSED_SQL} AS closed, ${TXN_OPEN_STATE_SQL} AS open_state,
          has({stPostingFlows:Array(String)}, flow) AS is_posting_flow,
          if(first_posted_at IS NULL, -1, greatest(0, dateDiff('millisecond', origin_time, assumeNotNull(first_posted_at)))) AS t_e2e
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
          FROM ${db}.txn_summary AS s
          WHERE ${txnWhere}
          GROUP BY plant, flow, origin_time, correlation_id
        )
      )
      GROUP BY GROUPING SETS ((plant, bucket, flow), (plant, bucket))
      )

      UNION ALL

      SELECT plant, bucket, flow, line, '' AS hop, ${part({
        erp_events: countOf('events'),
        erp_errors: countOf('errors'),
        errors_transient: countOf('errors_transient'),
        errors_dependency: countOf('errors_dependency'),
        errors_permanent: countOf('errors_permanent'),
        errors_partial: countOf('errors_partial'),
        dead_lettered: countOf('dead_lettered'),
        posting_requests: countOf('posting_requests'),
        posting_successes: countOf('posting_successes'),
        posting_failures: countOf('posting_failures'),
      })}
      FROM ${db}.${rollup} AS k
      -- k.hop: the bare name would be this SELECT's '' AS hop
      WHERE k.hop = 'erp' AND (${bucketWhere})
      GROUP BY plant, bucket, flow, line

      UNION ALL

      SELECT plant, bucket, '' AS flow, '' AS line, hop, ${part({ hop_events: countOf('events'), hop_errors: countOf('errors') })}
      FROM ${db}.${rollup}
      -- Only the two counters it counts: an event has an 'events' row, so no group is lost.
      WHERE (${bucketWhere}) AND counter IN ('events', 'errors')
      GROUP BY plant, bucket, hop

      UNION ALL

      SELECT plant, bucket, '' AS flow, '' AS line, hop, ${part({ latency_hist: `sumMap(map(${latencyKeySql('latency')}, toUInt64(1)))` })}
      FROM (
        -- One latency per event_id: re-sent events count once.
        SELECT plant, ${bucket('origin_time')} AS bucket, hop, event_id, any(assumeNotNull(latency_ms)) AS latency
        FROM ${db}.hop_events
        WHERE latency_ms IS NOT NULL AND (${txnWhere})
        GROUP BY plant, bucket, hop, event_id
      )
      GROUP BY plant, bucket, hop

      UNION ALL

      SELECT plant, bucket, flow, line, '' AS hop, ${part({
        busy_ms: "sumIf(duration, previous NOT IN ('PLANNED_STOP', '', 'OFFLINE'))",
        running_ms: "sumIf(duration, previous = 'RUNNING')",
        good: 'sum(e_good)',
        scrap: 'sum(e_scrap)',
        ideal_ms: 'sum(e_ideal * (e_good + e_scrap))',
        // Parts of production confirmations' counts without an ideal cycle time: performance
        // cannot be computed for their line (domain/oee.ts names it).
        unrated: "sumIf(e_good + e_scrap, flow = 'production_confirmation' AND e_ideal <= 0)",
      })}
      FROM (
        -- Each state change reports how long the previous state lasted; each count reports good,
        -- scrap and the ideal cycle time. One value per event_id: re-sends count once.
        SELECT plant, ${bucket('origin_time')} AS bucket, flow, line, event_id,
          any(if(event_type = 'shopfloor.equipment_state_changed', attributes['previous_state'], '')) AS previous,
          any(if(event_type = 'shopfloor.equipment_state_changed', toUInt64OrZero(attributes['previous_duration_ms']), 0)) AS duration,
          any(if(event_type = 'shopfloor.production_counted', qty_good, 0)) AS e_good,
          any(if(event_type = 'shopfloor.production_counted', qty_scrap, 0)) AS e_scrap,
          any(if(event_type = 'shopfloor.production_counted', toFloat64OrZero(attributes['ideal_cycle_time_ms']), 0)) AS e_ideal
        FROM ${db}.hop_events
        WHERE flow IN ('equipment_state', 'production_confirmation')
          AND event_type IN ('shopfloor.equipment_state_changed', 'shopfloor.production_counted')
          AND (${txnWhere})
        GROUP BY plant, bucket, flow, line, event_id
      )
      GROUP BY plant, bucket, flow, line
    )
    GROUP BY plant, bucket, flow, line, hop
    SETTINGS group_by_use_nulls = 0, force_grouping_standard_compatibility = 1`
}
