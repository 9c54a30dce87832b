import type { ClickHouse } from '../../client'
import { chQuery, type Actor } from '../../exec'
import { STUCK_PRECEDES, TXN_SLA_MS_SQL, txnStateParams, type TxnStateParams } from '../txn-state'
import { assertWindow, ceilTo, floorTo } from '../window'
import { assemble, type LatencyRow, type NumberRow, type OpenRow } from './assemble'
import { NO_JIT, SMALL_READ } from '../small-read'
import { histQuantileSql, NUMBERS, statsSql } from './sql'
import type { Stats } from './stats'
import { HOUR, refreshHourStats, staleHours } from './store'

/**
 * How far stored hours may trail the events on a read: a set computed this recently stays in use
 * while the worker (ingest/rollups/hour-stats.ts, every 5 s) recomputes it. Without this, an hour
 * that receives events every second would be recomputed by nearly every dashboard read.
 */
export const MAX_LAG_MS = 15_000
/** Hours per refresh statement: bounded memory and time per INSERT … SELECT. */
const REFRESH_CHUNK = 168

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
  // Stored hours are a few thousand rows; a minute window computes from the raw events (small-read.ts).
  const settings = q.stepSec === 3600 ? SMALL_READ : NO_JIT
  const read = () => Promise.all([
    chQuery<NumberRow>(ch, {
      name: 'hourStats.numbers',
      sql: `SELECT plant, ${period} AS period, flow, line, hop, ${q.series ? 'bucket, ' : ''}${grouping} AS set,
              ${NUMBERS.map((n) => `sum(h.${n}) AS ${n}`).join(', ')},
              sum(if(${older}, h.posting_txns, 0)) AS older_24h, sum(if(${older}, h.posted_24h, 0)) AS posted_24h_older,
              max(h.e2e_p50_ms) AS p50, max(h.e2e_p95_ms) AS p95
            FROM ${source} WHERE ${where}
            GROUP BY GROUPING SETS ((plant, period), (plant, period, flow), (plant, period, line), (plant, period, hop)${bucketSet})
            SETTINGS group_by_use_nulls = 0, force_grouping_standard_compatibility = 1`,
      params,
      actor: q.actor,
      settings,
    }),
    chQuery<LatencyRow>(ch, {
      name: 'hourStats.latency',
      // One pass for both: a flow's rows (hop '') carry its E2E histogram, a hop's rows (flow '')
      // its latency histogram. The flows' first postings by hour ride along: summed here once per
      // flow instead of once per grouping set of the numbers query (a fifth of its time).
      sql: `SELECT plant, period, flow, hop, [${histQuantileSql('hist', 0.5)}, ${histQuantileSql('hist', 0.95)}, if(empty(hist), NULL, mapKeys(hist)[-1])] AS q, posted_at
            FROM (
              SELECT plant, ${period} AS period, flow, hop, sumMap(if(hop = '', h.e2e_hist, h.latency_hist)) AS hist, sumMap(h.posted_at) AS posted_at
              FROM ${source} WHERE ${where} AND flow != '*'
              GROUP BY plant, period, flow, hop
            )`,
      params,
      actor: q.actor,
      settings,
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
      settings,
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
  const of = (period: number) => assemble(q.plants, period, { numbers: numbers.rows, latency: latency.rows, open: open.rows }, plan)
  return { current: of(0), previous: q.previousFrom ? of(1) : null }
}
