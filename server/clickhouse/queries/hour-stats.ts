import type { ClickHouse } from '../client'
import { chCommand, chQuery, type Actor } from '../exec'
import { fromChDateTime } from '../../domain/ch-time'
import { postingFlowsParam, STUCK_PRECEDES, TXN_CLOSED_SQL, TXN_OPEN_STATE_SQL, TXN_SLA_MS_SQL, txnStateParams, type TxnStateParams } from './txn-state'
import { assertWindow, ceilTo, floorTo } from './window'

/**
 * Per-bucket statistics of the dashboards (migration 0004_hour_stats.sql explains why they are
 * stored). ONE SQL computes them (`statsSql`): the worker stores its rows per origin hour in
 * hour_stats (`refreshHourStats`); a read of whole hours first recomputes the hours that are not
 * stored or stale, and a read of minutes (windows up to 6 h) runs the same SQL live (`readStats`).
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

const HOUR = 3_600_000
/**
 * How far stored hours may trail the events on a read: a set computed this recently stays in use
 * while the worker (ingest/rollups/hour-stats.ts, every 5 s) recomputes it. Without this, an hour
 * that receives events every second would be recomputed by nearly every dashboard read.
 */
export const MAX_LAG_MS = 15_000
const NEVER = new Date('2299-01-01T00:00:00Z')
/** Hours per refresh statement: bounded memory and time per INSERT … SELECT. */
const REFRESH_CHUNK = 168
const DAY_MS = 86_400_000

/** A plant's origin-time range [from, to) to compute. */
export interface StatsRange {
  plant: string
  from: Date
  to: Date
}

/** Count columns of a stats row, after its key (plant, bucket, flow, line, hop). */
const NUMBERS = [
  'transactions', 'posting_txns', 'settled', 'first_ok', 'posted', 'posted_24h', 'transient', 'auto_recovered', 'duplicates',
  'erp_events', 'erp_errors', 'errors_transient', 'errors_dependency', 'errors_permanent', 'errors_partial', 'dead_lettered',
  'posting_requests', 'posting_successes', 'posting_failures', 'hop_events', 'hop_errors', 'busy_ms', 'running_ms', 'good', 'scrap', 'ideal_ms',
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
const histQuantileSql = (hist: string, level: number) =>
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
const STORED = [...NUMBERS, ...Object.keys(ARRAYS), ...HISTOGRAMS, 'posted_at', ...QUANTILES].join(', ')

const MERGED = [
  ...NUMBERS.map((n) => `sum(${n}) AS ${n}`),
  ...Object.keys(ARRAYS).map((n) => `groupArrayArray(${n}) AS ${n}`),
  ...HISTOGRAMS.map((n) => `sumMap(${n}) AS ${n}`),
  'sumMap(posted_at) AS posted_at',
  ...QUANTILES.map((n) => `max(${n}) AS ${n}`),
].join(', ')

/** `(plant = … AND <time> >= … AND <time> < …) OR …` over numbered parameters. */
function rangesWhere(ranges: readonly StatsRange[], time: string, step: number, params: Record<string, unknown>, prefix: string): string {
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
function statsSql(db: string, ranges: readonly StatsRange[], stepSec: 60 | 3600, params: Record<string, unknown>): string {
  Object.assign(params, postingFlowsParam())
  const bucket = (t: string) => `toStartOfInterval(${t}, INTERVAL ${stepSec} SECOND)`
  const step = stepSec * 1000
  const rollup = stepSec === 60 ? 'flow_kpi_1m' : 'flow_kpi_1h'
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
        erp_events: 'uniqMerge(events)',
        erp_errors: 'uniqIfMerge(errors)',
        errors_transient: 'uniqIfMerge(errors_transient)',
        errors_dependency: 'uniqIfMerge(errors_dependency)',
        errors_permanent: 'uniqIfMerge(errors_permanent)',
        errors_partial: 'uniqIfMerge(errors_partial)',
        dead_lettered: 'uniqIfMerge(dead_lettered)',
        posting_requests: 'uniqIfMerge(posting_requests)',
        posting_successes: 'uniqIfMerge(posting_successes)',
        posting_failures: 'uniqIfMerge(posting_failures)',
      })}
      FROM ${db}.${rollup} AS k
      -- k.hop: the bare name would be this SELECT's '' AS hop
      WHERE k.hop = 'erp' AND (${bucketWhere})
      GROUP BY plant, bucket, flow, line

      UNION ALL

      SELECT plant, bucket, '' AS flow, '' AS line, hop, ${part({ hop_events: 'uniqMerge(events)', hop_errors: 'uniqIfMerge(errors)' })}
      FROM ${db}.${rollup}
      WHERE ${bucketWhere}
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

/**
 * Hours whose hop events changed since their stats were stored (or that have none), oldest first.
 * `freshSince`: a set computed since then counts as current even if events arrived after it (the
 * worker recomputes it within seconds); without it, any change makes the hour stale.
 */
export async function staleHours(
  ch: ClickHouse,
  q: { plants?: string[]; since: Date; until: Date; limit: number; freshSince?: Date; actor?: Actor },
): Promise<Array<{ plant: string; bucket: Date }>> {
  const plants = q.plants ? 'AND plant IN {plants:Array(String)}' : ''
  const { rows } = await chQuery<{ plant: string; bucket: string }>(ch, {
    name: 'hourStats.stale',
    // One pass over both tables instead of a JOIN (about a fifth cheaper): live marks per hour beside
    // the stored set's; an hour never stored has no computed_at above the epoch, so it is stale.
    sql: `SELECT plant, bucket FROM (
            SELECT plant, bucket, sum(events) AS events, argMax(marks, computed_at) AS stored_marks, max(computed_at) AS latest
            FROM (
              SELECT plant, bucket, events, toUInt64(0) AS marks, toDateTime64(0, 3, 'UTC') AS computed_at FROM ${ch.database}.hour_marks
              WHERE bucket >= {since:DateTime64(3, 'UTC')} AND bucket < {until:DateTime64(3, 'UTC')} ${plants}
              UNION ALL
              SELECT plant, bucket, toUInt64(0) AS events, marks, computed_at FROM ${ch.database}.hour_stats
              WHERE bucket >= {since:DateTime64(3, 'UTC')} AND bucket < {until:DateTime64(3, 'UTC')} ${plants}
            )
            GROUP BY plant, bucket
          )
          WHERE events > 0 AND stored_marks != events AND latest < {freshSince:DateTime64(3, 'UTC')}
          ORDER BY bucket, plant
          LIMIT {limit:UInt32}`,
    params: { since: floorTo(q.since, HOUR), until: q.until, limit: q.limit, plants: q.plants ?? [], freshSince: q.freshSince ?? NEVER },
    actor: q.actor,
    maxExecutionTimeSec: 60,
  })
  return rows.map((r) => ({ plant: r.plant, bucket: fromChDateTime(r.bucket) }))
}

/**
 * Compute and store the stats of whole origin hours. The marks are read BEFORE the computation:
 * events arriving meanwhile leave the stored marks behind the live count, so the hour reads as
 * stale and is computed again (never the other way round).
 */
export async function refreshHourStats(ch: ClickHouse, hours: ReadonlyArray<{ plant: string; bucket: Date }>): Promise<void> {
  if (hours.length === 0) return
  const db = ch.database
  const params: Record<string, unknown> = {}
  const ranges = mergeRanges(hours.map((h) => ({ plant: h.plant, from: h.bucket, to: new Date(h.bucket.getTime() + HOUR) })))
  const { rows: marks } = await chQuery<{ key: string; events: number }>(ch, {
    name: 'hourStats.marks',
    sql: `SELECT concat(plant, '|', toString(toUnixTimestamp(bucket))) AS key, sum(events) AS events
          FROM ${db}.hour_marks WHERE ${rangesWhere(ranges, 'bucket', HOUR, params, 'm')}
          GROUP BY plant, bucket`,
    params,
  })
  const computedAt = new Date()
  await chCommand(ch, {
    name: 'hourStats.refresh',
    sql: `INSERT INTO ${db}.hour_stats (plant, bucket, flow, line, hop, computed_at, marks, ${STORED})
          SELECT plant, bucket, flow, line, hop, {computedAt:DateTime64(3, 'UTC')} AS computed_at,
            transform(concat(plant, '|', toString(toUnixTimestamp(bucket))), {markKeys:Array(String)}, {markEvents:Array(UInt64)}, toUInt64(0)) AS marks,
            ${STORED}
          FROM (${statsSql(db, ranges, 3600, params)})`,
    params: {
      ...params,
      computedAt,
      markKeys: marks.map((m) => m.key),
      markEvents: marks.map((m) => Number(m.events)),
    },
  })
}

/** Contiguous ranges of one plant become one (fewer OR terms; the same rows). */
function mergeRanges(ranges: readonly StatsRange[]): StatsRange[] {
  const sorted = [...ranges].sort((a, b) => a.plant.localeCompare(b.plant) || a.from.getTime() - b.from.getTime())
  const out: StatsRange[] = []
  for (const r of sorted) {
    const last = out[out.length - 1]
    if (last && last.plant === r.plant && last.to.getTime() >= r.from.getTime()) {
      if (r.to > last.to) last.to = r.to
    } else out.push({ ...r })
  }
  return out
}

export interface StatsCounts {
  transactions: number
  settled: number
  first_attempt_ok: number
  posted: number
  /** Posting-flow transactions older than 24 h at `now` / of those, posted within 24 h of their source. */
  older_24h: number
  posted_24h: number
  transient: number
  auto_recovered: number
  duplicates: number
  /** Open transactions by state (everything not posted). */
  open: number
  in_progress: number
  retrying: number
  waiting: number
  partial: number
  dead_lettered: number
  stuck: number
  /** Stuck for longer than the flow SLA again (age > 2 × SLA): the red condition of KPIS.md. */
  stuck_beyond_sla: number
  /** Oldest open transaction's source time (ISO) and the p95 of open transactions' age (ms). */
  oldest_open: string | null
  open_age_p95_ms: number | null
  /** Exact E2E quantiles (ms) over the posted transactions. */
  e2e_p50_ms: number | null
  e2e_p95_ms: number | null
  /** ERP hop events. */
  erp_events: number
  erp_errors: number
  errors_transient: number
  errors_dependency: number
  errors_permanent: number
  errors_partial: number
  dead_lettered_events: number
  posting_requests: number
  posting_successes: number
  posting_failures: number
}

export interface StatsBucket {
  plant: string
  /** Bucket start, ISO. */
  bucket: string
  started: number
  /** Of the window's transactions, those first posted in this bucket. */
  posted_in_bucket: number
  settled: number
  first_attempt_ok: number
  stuck: number
  e2e_p50_ms: number | null
  e2e_p95_ms: number | null
  erp_events: number
  errors_transient: number
  errors_dependency: number
  errors_permanent: number
  errors_partial: number
  posting_requests: number
  posting_successes: number
}

export interface StatsLine {
  plant: string
  line: string
  erp_events: number
  erp_errors: number
  posting_requests: number
  posting_successes: number
  posting_failures: number
  dead_lettered: number
}

export interface StatsHop {
  plant: string
  hop: string
  events: number
  errors: number
  /** Latency reported by the hop's events, once per event (ms, 3 significant digits); null: none reported. */
  p50_ms: number | null
  p95_ms: number | null
  max_ms: number | null
}

export interface StatsProduction {
  plant: string
  line: string
  busy_ms: number
  running_ms: number
  good: number
  scrap: number
  ideal_ms: number
}

export interface Stats {
  /** Per plant and flow ('*' = the whole plant). */
  totals: Array<StatsCounts & { plant: string; flow: string }>
  buckets: StatsBucket[]
  lines: StatsLine[]
  hops: StatsHop[]
  production: StatsProduction[]
  /** Hours computed and stored by this read because they were missing or stale (tests and the bench look). */
  plan: { refreshedHours: number }
}

/**
 * The stats of `plants` over origin times [from, to) and, with `previousFrom`, of the previous
 * period [previousFrom, from) in the same queries. `stepSec` 3600 answers whole hours from
 * hour_stats; 60 (short windows) computes everything live. `series` adds buckets (the plant page).
 */
export async function readStats(
  ch: ClickHouse,
  q: {
    plants: string[]
    from: Date
    to: Date
    previousFrom?: Date
    stepSec: 60 | 3600
    state: TxnStateParams
    series?: boolean
    /** How far stored hours may trail the events (default MAX_LAG_MS; 0: always current). */
    maxLagMs?: number
    actor?: Actor
  },
): Promise<{ current: Stats; previous: Stats | null }> {
  assertWindow(q.from, q.to)
  if (q.previousFrom) assertWindow(q.previousFrom, q.from)
  const db = ch.database
  const step = q.stepSec * 1000
  const curFrom = floorTo(q.from, step)
  const start = q.previousFrom ?? q.from
  const params: Record<string, unknown> = { ...txnStateParams(q.state), plants: q.plants, step: q.stepSec, curFrom }
  if (q.plants.length === 0) {
    const empty = (): Stats => ({ totals: [], buckets: [], lines: [], hops: [], production: [], plan: { refreshedHours: 0 } })
    return { current: empty(), previous: q.previousFrom ? empty() : null }
  }
  // The rows to read, as `FROM <source> WHERE <where>` (`source` names its rows `h`).
  let source: string
  let where = '1'
  // Whole hours: stores the hours not stored or stale since (read-through); resolves to how many.
  let bringCurrent: (() => Promise<number>) | null = null
  if (q.stepSec === 3600) {
    const hFrom = floorTo(start, HOUR)
    const hTo = ceilTo(q.to, HOUR)
    const freshSince = new Date(Date.now() - (q.maxLagMs ?? MAX_LAG_MS))
    bringCurrent = async () => {
      const stale = await staleHours(ch, { plants: q.plants, since: hFrom, until: hTo, limit: 100_000, freshSince, actor: q.actor })
      for (let i = 0; i < stale.length; i += REFRESH_CHUNK) await refreshHourStats(ch, stale.slice(i, i + REFRESH_CHUNK))
      return stale.length
    }
    Object.assign(params, { hFrom, hTo })
    // The latest set of each hour: FINAL keeps each key's row of the latest computed_at, and a newer
    // set of an hour has every key of the older ones (hop events are only ever added, so an hour
    // never loses a flow, line or hop), so no row of an older set survives. (Two refreshes racing can
    // leave keys of the one that saw more events beside the later-stamped set: its older marks make
    // the hour stale, so it is computed again.) Cheaper than choosing the latest computed_at per hour
    // in a subquery (bench/dashboards).
    source = `${db}.hour_stats AS h FINAL`
    where = `plant IN {plants:Array(String)} AND bucket >= {hFrom:DateTime64(3, 'UTC')} AND bucket < {hTo:DateTime64(3, 'UTC')}`
  } else {
    source = `(${statsSql(db, q.plants.map((plant) => ({ plant, from: start, to: q.to })), q.stepSec, params)}) AS h`
  }

  // period 0 = [from, to), 1 = the previous one. Three reads of the same rows, each with only the
  // columns it needs (one GROUPING SETS query would feed every array to every set): numbers by
  // flow, plant, line, hop and bucket; E2E quantiles by flow and latency by hop, from histograms;
  // open transactions by flow, plant and bucket, whose states depend on `now`.
  const period = `toUInt8(h.bucket < {curFrom:DateTime64(3, 'UTC')})`
  const bucketSet = q.series ? ', (plant, period, bucket)' : ''
  // Eventual success counts the transactions of buckets that ended 24 h or more before now.
  const older = `h.bucket + INTERVAL {step:UInt32} SECOND <= {stNow:DateTime64(3, 'UTC')} - INTERVAL 1 DAY`
  const age = `dateDiff('millisecond', t, {stNow:DateTime64(3, 'UTC')})`
  // Stuck: a posting flow past its SLA with nothing more specific (dead-lettered and partial come
  // first; txn-state.ts).
  const stuck = (factor: string) => `posting_flow AND s IN ('${STUCK_PRECEDES.join("', '")}') AND ${age} > ${factor}sla`
  const grouping = q.series ? 'grouping(flow, line, hop, bucket)' : 'bitOr(1, grouping(flow, line, hop) * 2)'
  const read = () => Promise.all([
    chQuery<NumberRow>(ch, {
      name: 'hourStats.numbers',
      sql: `SELECT plant, ${period} AS period, flow, line, hop, ${q.series ? 'bucket, ' : ''}${grouping} AS set,
              ${NUMBERS.map((n) => `sum(h.${n}) AS ${n}`).join(', ')},
              sum(if(${older}, h.posting_txns, 0)) AS older_24h, sum(if(${older}, h.posted_24h, 0)) AS posted_24h_older,
              sumMap(h.posted_at) AS posted_at, max(h.e2e_p50_ms) AS p50, max(h.e2e_p95_ms) AS p95
            FROM ${source} WHERE ${where}
            GROUP BY GROUPING SETS ((plant, period), (plant, period, flow), (plant, period, line), (plant, period, hop)${bucketSet})
            SETTINGS group_by_use_nulls = 0, force_grouping_standard_compatibility = 1`,
      params,
      actor: q.actor,
    }),
    chQuery<LatencyRow>(ch, {
      name: 'hourStats.latency',
      // One pass for both: a flow's rows (hop '') carry its E2E histogram, a hop's rows (flow '')
      // its latency histogram.
      sql: `SELECT plant, period, flow, hop, [${histQuantileSql('hist', 0.5)}, ${histQuantileSql('hist', 0.95)}, if(empty(hist), NULL, mapKeys(hist)[-1])] AS q
            FROM (
              SELECT plant, ${period} AS period, flow, hop, sumMap(if(hop = '', h.e2e_hist, h.latency_hist)) AS hist
              FROM ${source} WHERE ${where} AND flow != '*'
              GROUP BY plant, period, flow, hop
            )`,
      params,
      actor: q.actor,
    }),
    chQuery<OpenRow>(ch, {
      name: 'hourStats.open',
      sql: `SELECT plant, period, flow, ${q.series ? 'bucket, grouping(flow, bucket)' : 'bitOr(1, grouping(flow) * 2)'} AS set,
              count() AS open,
              countIf(s = 'dead_lettered') AS dead_lettered,
              countIf(s = 'partial') AS partial,
              countIf(${stuck('')}) AS stuck,
              countIf(${stuck('2 * ')}) AS stuck_beyond_sla,
              countIf(s = 'waiting' AND NOT (${stuck('')})) AS waiting,
              countIf(s = 'retrying' AND NOT (${stuck('')})) AS retrying,
              countIf(s = 'in_progress' AND NOT (${stuck('')})) AS in_progress,
              min(t) AS oldest, quantileExact(0.95)(${age}) AS age_p95
            FROM (
              -- the flow's SLA once per row, not once per open transaction and condition
              SELECT plant, ${period} AS period, flow, bucket, open_origin, open_state, ${TXN_SLA_MS_SQL} AS sla,
                has({stPostingFlows:Array(String)}, flow) AS posting_flow
              FROM ${source} WHERE ${where} AND notEmpty(h.open_origin)
            )
            ARRAY JOIN open_origin AS t, open_state AS s
            GROUP BY GROUPING SETS ((plant, period), (plant, period, flow)${q.series ? ', (plant, period, bucket)' : ''})
            SETTINGS group_by_use_nulls = 0, force_grouping_standard_compatibility = 1`,
      params,
      actor: q.actor,
    }),
  ])
  // With the worker running, nothing is stale (the current hour at most), so the stale check runs
  // beside the reads instead of before them; only when it stored hours are they read again.
  let refreshedHours = 0
  let rows: Awaited<ReturnType<typeof read>>
  if (bringCurrent) {
    const [storedHours, first] = await Promise.all([bringCurrent(), read()])
    refreshedHours = storedHours
    rows = storedHours > 0 ? await read() : first
  } else rows = await read()
  const [numbers, latency, open] = rows
  const plan = { refreshedHours }
  const of = (period: number) => {
    const mine = <T extends { period: number }>(rows: T[]) => rows.filter((r) => N(r.period) === period)
    return assemble(q.plants, mine(numbers.rows), mine(latency.rows), mine(open.rows), plan)
  }
  return { current: of(0), previous: q.previousFrom ? of(1) : null }
}

/** grouping(flow, line, hop, bucket) of each set of the numbers query: a bit per key aggregated away. */
const SET = { plant: 0b1111, flow: 0b0111, line: 0b1011, hop: 0b1101, bucket: 0b1110 } as const
/** grouping(flow, bucket) of each set of the open query. */
const OPEN_SET = { plant: 0b11, flow: 0b01, bucket: 0b10 } as const

type Num = (typeof NUMBERS)[number]
type NumberRow = Record<Num, number> & {
  plant: string
  period: number
  flow: string
  line: string
  hop: string
  bucket: string
  set: number
  older_24h: number
  posted_24h_older: number
  posted_at: Record<string, number>
  p50: number | null
  p95: number | null
}
/** q: p50, p95 and max (ms, to 3 significant digits) of a flow's E2E (hop '') or a hop's latency (flow ''). */
interface LatencyRow {
  plant: string
  period: number
  flow: string
  hop: string
  q: Array<number | null>
}
interface OpenRow {
  plant: string
  period: number
  flow: string
  bucket: string
  set: number
  open: number
  dead_lettered: number
  partial: number
  stuck: number
  stuck_beyond_sla: number
  waiting: number
  retrying: number
  in_progress: number
  oldest: string
  age_p95: number
}

const N = (v: unknown) => Number(v ?? 0)
const quantile = (v: unknown) => (v === null || v === undefined || Number.isNaN(Number(v)) ? null : Number(v))
const iso = (text: string) => fromChDateTime(text).toISOString()

/** Copies the named counts (0 when the row or the count is missing). */
function pick<K extends string>(row: Partial<Record<K, unknown>> | undefined, keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, N(row?.[k])])) as Record<K, number>
}

/** Counts a flow or the plant takes from the numbers query and from the open query under the same name. */
const COUNTED = [
  'transactions', 'settled', 'transient', 'auto_recovered', 'duplicates', 'erp_events', 'erp_errors', 'errors_transient',
  'errors_dependency', 'errors_permanent', 'errors_partial', 'posting_requests', 'posting_successes', 'posting_failures',
] as const
const OPEN_COUNTED = ['in_progress', 'retrying', 'waiting', 'partial', 'dead_lettered', 'stuck', 'stuck_beyond_sla'] as const
/** Per-bucket counts of the series, from the numbers query. */
const BUCKET_COUNTED = [
  'settled', 'erp_events', 'errors_transient', 'errors_dependency', 'errors_permanent', 'errors_partial', 'posting_requests', 'posting_successes',
] as const

function countsOf(n: NumberRow | undefined, o: OpenRow | undefined, q: Array<number | null> | undefined): StatsCounts {
  const posted = N(n?.posted)
  const open = N(o?.open)
  return {
    ...pick(n, COUNTED),
    ...pick(o, OPEN_COUNTED),
    first_attempt_ok: N(n?.first_ok),
    posted,
    older_24h: N(n?.older_24h),
    posted_24h: N(n?.posted_24h_older),
    dead_lettered_events: N(n?.dead_lettered),
    open,
    oldest_open: open && o ? iso(o.oldest) : null,
    open_age_p95_ms: open && o ? quantile(o.age_p95) : null,
    e2e_p50_ms: posted && q ? quantile(q[0]) : null,
    e2e_p95_ms: posted && q ? quantile(q[1]) : null,
  }
}

const EMPTY_BUCKET: Omit<StatsBucket, 'plant' | 'bucket'> = {
  started: 0,
  posted_in_bucket: 0,
  settled: 0,
  first_attempt_ok: 0,
  stuck: 0,
  e2e_p50_ms: null,
  e2e_p95_ms: null,
  erp_events: 0,
  errors_transient: 0,
  errors_dependency: 0,
  errors_permanent: 0,
  errors_partial: 0,
  posting_requests: 0,
  posting_successes: 0,
}

function assemble(
  plants: readonly string[],
  numbers: NumberRow[],
  latency: LatencyRow[],
  open: OpenRow[],
  plan: Stats['plan'],
): Stats {
  const totals: Stats['totals'] = []
  const lines: StatsLine[] = []
  const hops: StatsHop[] = []
  const production: StatsProduction[] = []
  const buckets = new Map<string, StatsBucket>()
  const bucketOf = (plant: string, t: string) => {
    const key = `${plant}|${t}`
    let b = buckets.get(key)
    if (!b) buckets.set(key, (b = { ...EMPTY_BUCKET, plant, bucket: t }))
    return b
  }
  for (const plant of plants) {
    const nums = numbers.filter((r) => r.plant === plant)
    const opens = open.filter((r) => r.plant === plant)
    // Flows are those with transactions (hop rows have flow '', the bucket quantile rows '*').
    for (const n of nums.filter((r) => N(r.set) === SET.flow && r.flow !== '' && r.flow !== '*'))
      totals.push({
        plant,
        flow: n.flow,
        ...countsOf(
          n,
          opens.find((o) => N(o.set) === OPEN_SET.flow && o.flow === n.flow),
          latency.find((e) => e.plant === plant && e.hop === '' && e.flow === n.flow)?.q,
        ),
      })
    const whole = nums.find((r) => N(r.set) === SET.plant)
    // The plant has no E2E quantiles of its own: KPIS.md's E2E latency is per flow.
    totals.push({ plant, flow: '*', ...countsOf(whole, opens.find((o) => N(o.set) === OPEN_SET.plant), undefined) })
    for (const [t, n] of Object.entries(whole?.posted_at ?? {})) bucketOf(plant, iso(t)).posted_in_bucket += N(n)
  }
  for (const r of numbers) {
    const set = N(r.set)
    if (set === SET.hop && r.hop !== '') {
      const q = latency.find((e) => e.plant === r.plant && e.flow === '' && e.hop === r.hop)?.q
      hops.push({ plant: r.plant, hop: r.hop, events: N(r.hop_events), errors: N(r.hop_errors), p50_ms: quantile(q?.[0]), p95_ms: quantile(q?.[1]), max_ms: quantile(q?.[2]) })
    }
    if (set === SET.line) {
      // Transaction rows carry line '' and no event counts: only lines with events are listed.
      if (N(r.erp_events) > 0)
        lines.push({
          plant: r.plant,
          line: r.line,
          erp_events: N(r.erp_events),
          erp_errors: N(r.erp_errors),
          posting_requests: N(r.posting_requests),
          posting_successes: N(r.posting_successes),
          posting_failures: N(r.posting_failures),
          dead_lettered: N(r.dead_lettered),
        })
      if (N(r.busy_ms) + N(r.good) + N(r.scrap) > 0)
        production.push({ plant: r.plant, line: r.line, busy_ms: N(r.busy_ms), running_ms: N(r.running_ms), good: N(r.good), scrap: N(r.scrap), ideal_ms: N(r.ideal_ms) })
    }
    if (set === SET.bucket)
      Object.assign(bucketOf(r.plant, iso(r.bucket)), {
        ...pick(r, BUCKET_COUNTED),
        started: N(r.transactions),
        first_attempt_ok: N(r.first_ok),
        e2e_p50_ms: quantile(r.p50),
        e2e_p95_ms: quantile(r.p95),
      })
  }
  for (const o of open) if (N(o.set) === OPEN_SET.bucket) bucketOf(o.plant, iso(o.bucket)).stuck = N(o.stuck)
  return { totals, buckets: [...buckets.values()].sort((a, b) => a.bucket.localeCompare(b.bucket)), lines, hops, production, plan }
}
