import type { ClickHouse } from '../client'
import { chCommand, chInsert, chQuery } from '../exec'
import { fromChDateTime, toChDateTime } from '../../domain/ch-time'
import { baseParams, mergedTxnSql, type ReconDayRow, type ReconWindow } from './reconciliation'
import { SMALL_READ } from './small-read'
import { TXN_SLA_MS_SQL } from './txn-state'

/**
 * The Reconciliation summary from per-hour numbers (recon_hour, 0007_reconciliation.sql), so a
 * 30-day summary stays within the dashboard budget (bench suite `reconciliation`).
 *
 * Freshness as hour_stats: an hour's stored set is current while its `marks` equals hour_marks'
 * count of hop events inserted for the plant and hour. A summary first brings the hours of its
 * window up to date (computing only stale ones, from recon_txn, in chunks), then reads the stored
 * sets. So the first read after a large import pays once; afterwards a read recomputes just the
 * hours that received events (usually the newest). Whole hours: the window is widened to them.
 */

const HOUR = 3_600_000
/** Hours computed per statement: bounds one statement's work on a first read of a large window. */
const CHUNK_HOURS = 72

export const hourAligned = (from: Date, to: Date) => ({
  from: new Date(Math.floor(from.getTime() / HOUR) * HOUR),
  to: new Date(Math.ceil(to.getTime() / HOUR) * HOUR),
})

/** The per-hour sets kept current this way: the summary's (here) and the KPIs' (reconciliation-kpis.ts). */
export type ReconHourTable = 'recon_hour' | 'recon_kpi_hour'

export type StaleHour = { bucket: Date; events: number }

/**
 * Hours of [from, to) whose stored set in `table` is missing or behind the live marks, with the live
 * marks, oldest first: of one plant (a read) or of every plant (the worker).
 */
async function staleHours(
  ch: ClickHouse,
  q: { plant?: string; from: Date; to: Date; limit?: number; actor?: ReconWindow['actor'] },
  table: ReconHourTable,
): Promise<Array<StaleHour & { plant: string }>> {
  const where = `${q.plant === undefined ? '' : 'plant = {plant:String} AND '}bucket >= {from:DateTime64(3, 'UTC')} AND bucket < {to:DateTime64(3, 'UTC')}`
  const { rows } = await chQuery<{ plant: string; bucket: string; events: number }>(ch, {
    name: `reconciliation.staleHours.${table}`,
    sql: `SELECT plant, bucket, events FROM (
            SELECT plant, bucket, sum(events) AS events, argMax(marks, computed_at) AS stored
            FROM (
              SELECT plant, bucket, events, toUInt64(0) AS marks, toDateTime64(0, 3, 'UTC') AS computed_at FROM ${ch.database}.hour_marks
              WHERE ${where}
              UNION ALL
              SELECT plant, bucket, toUInt64(0) AS events, marks, computed_at FROM ${ch.database}.${table}
              WHERE ${where}
            )
            GROUP BY plant, bucket
          )
          WHERE events > 0 AND stored != events
          ORDER BY bucket, plant
          ${q.limit === undefined ? '' : 'LIMIT {limit:UInt32}'}`,
    params: { from: q.from, to: q.to, ...(q.plant === undefined ? {} : { plant: q.plant }), ...(q.limit === undefined ? {} : { limit: q.limit }) },
    actor: q.actor,
    settings: SMALL_READ,
  })
  return rows.map((r) => ({ plant: r.plant, bucket: fromChDateTime(r.bucket), events: Number(r.events) }))
}

/** Computes and stores the sets of `hours` of `w.plant` (their marks read before, by staleHours: late events re-stale them). */
type RefreshHours = (ch: ClickHouse, w: ReconWindow, hours: readonly StaleHour[]) => Promise<void>

/** Compute and store the sets of these hours (marks read before, by staleHours: late events re-stale them). */
async function refreshHours(ch: ClickHouse, w: ReconWindow, hours: readonly StaleHour[]): Promise<void> {
  const computedAt = new Date()
  const from = hours[0]!.bucket
  const to = new Date(hours.at(-1)!.bucket.getTime() + HOUR)
  const keys = hours.map((h) => toChDateTime(h.bucket).slice(0, 19))
  await chCommand(ch, {
    name: 'reconciliation.refreshHours',
    sql: `INSERT INTO ${ch.database}.recon_hour (plant, bucket, flow, computed_at, marks, transactions, posted, documents, source_qty, erp_qty,
            posted_twice, quantity_differs, parked_unposted, delays_ms, open_origin)
          SELECT {plant:String}, toStartOfHour(toDateTime(origin_time)) AS hour, flow, {computedAt:DateTime64(3, 'UTC')},
            transform(toString(hour), {keys:Array(String)}, {events:Array(UInt64)}, toUInt64(0)),
            count(), countIf(first_posted_at IS NOT NULL), sum(if(doc_min IS NULL, 0, if(twice, 2, 1))),
            sum(ifNull(source_qty, 0)), sum(ifNull(erp_qty, 0)), countIf(twice), countIf(quantity_differs),
            countIf(first_posted_at IS NULL AND parked),
            groupArrayIf(toUInt32(greatest(0, delay_ms)), first_posted_at IS NOT NULL),
            groupArrayIf(origin_time, first_posted_at IS NULL AND NOT parked)
          FROM (${mergedTxnSql(ch)})
          WHERE toString(toStartOfHour(toDateTime(origin_time))) IN {keys:Array(String)}
          GROUP BY hour, flow`,
    params: { ...baseParams({ ...w, from, to, flows: undefined }), computedAt, keys, events: hours.map((h) => h.events) },
  })
  // A marker per hour, so an hour without posting-flow transactions counts as computed too.
  await chInsert(ch, {
    table: 'recon_hour',
    rows: hours.map((h) => ({ plant: w.plant, bucket: toChDateTime(h.bucket).slice(0, 19), flow: '', computed_at: computedAt.toISOString(), marks: h.events })),
  })
}

/** Bring the stored summary hours of the (hour-aligned) window up to date. */
export function ensureHours(ch: ClickHouse, w: ReconWindow): Promise<void> {
  return ensureStoredHours(ch, w, 'recon_hour', refreshHours)
}

/** Bring the stored sets of `table` over the (hour-aligned) window up to date with `refresh`, in chunks of hours. */
export async function ensureStoredHours(ch: ClickHouse, w: ReconWindow, table: ReconHourTable, refresh: RefreshHours): Promise<void> {
  const stale = await staleHours(ch, { plant: w.plant, from: w.from, to: w.to, actor: w.actor }, table)
  for (let i = 0; i < stale.length; i += CHUNK_HOURS) await refresh(ch, w, stale.slice(i, i + CHUNK_HOURS))
}

/**
 * The worker's share (ingest/rollups/hour-stats.ts): the oldest `limit` stale hours of `table` in
 * [since, until), of every plant, computed and stored, so that reads find them current. Resolves
 * to how many hours it stored.
 */
export async function refreshStaleHours(
  ch: ClickHouse,
  table: ReconHourTable,
  refresh: RefreshHours,
  q: { since: Date; until: Date; limit: number },
): Promise<number> {
  const stale = await staleHours(ch, { from: q.since, to: q.until, limit: q.limit }, table)
  const byPlant = new Map<string, StaleHour[]>()
  for (const { plant, ...h } of stale) byPlant.set(plant, [...(byPlant.get(plant) ?? []), h])
  // Stored sets hold nothing judged at the time of the read or against an SLA: any state will do.
  const state = { now: new Date(), slas: [], defaultSlaMs: 0 }
  for (const [plant, hours] of byPlant)
    await refresh(ch, { plant, from: hours[0]!.bucket, to: new Date(hours.at(-1)!.bucket.getTime() + HOUR), state, timeZone: 'UTC' }, hours)
  return stale.length
}

/** The worker's share of the summary's hours (refreshStaleHours). */
export function refreshStaleSummaryHours(ch: ClickHouse, q: { since: Date; until: Date; limit: number }): Promise<number> {
  return refreshStaleHours(ch, 'recon_hour', refreshHours, q)
}

/**
 * Where the list of differences must start scanning so that it can fill a page: the newest hours
 * (before `before`) that may hold differences, walked back until they hold more than `limit`
 * candidates (an upper bound: a transaction without posting within its SLA counts as one). The
 * list then merges the transactions of those hours only, not of the whole window.
 */
export async function listScanStart(
  ch: ClickHouse,
  w: ReconWindow,
  q: { limit: number; before?: Date; /** The cursor's hour: its candidates may all be on earlier pages, so they never count towards filling this one. */ cursorHour?: Date },
): Promise<{ from: Date; older: boolean }> {
  const { rows } = await chQuery<{ bucket: string; n: number }>(ch, {
    name: 'reconciliation.listScanStart',
    sql: `SELECT bucket, n FROM (
            SELECT bucket, sum(posted_twice + quantity_differs + parked_unposted + length(open_origin)
              + arrayCount(d -> d > sla_ms, delays_ms)) AS n
            FROM (
              SELECT *, ${TXN_SLA_MS_SQL} AS sla_ms FROM ${ch.database}.recon_hour
              WHERE plant = {plant:String} AND flow IN {flows:Array(String)}
                AND bucket >= {from:DateTime64(3, 'UTC')} AND bucket < {before:DateTime64(3, 'UTC')}
              ORDER BY computed_at DESC
              LIMIT 1 BY bucket, flow
            )
            GROUP BY bucket
          )
          WHERE n > 0
          ORDER BY bucket DESC`,
    params: { ...baseParams(w), before: q.before ?? w.to },
    actor: w.actor,
  })
  let sum = 0
  for (let i = 0; i < rows.length; i++) {
    if (q.cursorHour && fromChDateTime(rows[i]!.bucket).getTime() === q.cursorHour.getTime()) continue
    sum += Number(rows[i]!.n)
    if (sum > q.limit) return { from: fromChDateTime(rows[i]!.bucket), older: i < rows.length - 1 }
  }
  return { from: w.from, older: false }
}

/** Per plant-local day and flow (the window widened to whole hours). */
export async function reconSummaryByHours(ch: ClickHouse, window: ReconWindow): Promise<ReconDayRow[]> {
  const w = { ...window, ...hourAligned(window.from, window.to) }
  await ensureHours(ch, w)
  // Sums are read as t_*: an alias equal to a stored column would shadow it inside the aggregate.
  type Raw = { day: string; flow: string } & Record<`t_${'transactions' | 'posted' | 'unposted' | 'documents' | 'source_qty' | 'erp_qty' | 'never_posted' | 'posted_twice' | 'quantity_differs' | 'posted_late'}`, number>
  const { rows } = await chQuery<Raw>(ch, {
    name: 'reconciliation.summaryByHours',
    sql: `SELECT toString(toDate(bucket, {tz:String})) AS day, flow,
            sum(transactions) AS t_transactions, sum(posted) AS t_posted, t_transactions - t_posted AS t_unposted,
            sum(documents) AS t_documents, sum(source_qty) AS t_source_qty, sum(erp_qty) AS t_erp_qty,
            sum(parked_unposted + arrayCount(o -> dateDiff('millisecond', o, {stNow:DateTime64(3, 'UTC')}) > sla_ms, open_origin)) AS t_never_posted,
            sum(posted_twice) AS t_posted_twice, sum(quantity_differs) AS t_quantity_differs,
            sum(arrayCount(d -> d > sla_ms, delays_ms)) AS t_posted_late
          FROM (
            SELECT *, ${TXN_SLA_MS_SQL} AS sla_ms
            FROM ${ch.database}.recon_hour
            WHERE plant = {plant:String} AND flow IN {flows:Array(String)}
              AND bucket >= {from:DateTime64(3, 'UTC')} AND bucket < {to:DateTime64(3, 'UTC')}
            ORDER BY computed_at DESC
            LIMIT 1 BY bucket, flow
          )
          GROUP BY day, flow
          ORDER BY day DESC, flow`,
    params: baseParams(w),
    actor: w.actor,
  })
  return rows.map((r) => ({
    day: r.day,
    flow: r.flow,
    transactions: Number(r.t_transactions),
    posted: Number(r.t_posted),
    in_flight: Number(r.t_unposted) - Number(r.t_never_posted),
    documents: Number(r.t_documents),
    source_qty: Number(r.t_source_qty),
    erp_qty: Number(r.t_erp_qty),
    never_posted: Number(r.t_never_posted),
    posted_twice: Number(r.t_posted_twice),
    quantity_differs: Number(r.t_quantity_differs),
    posted_late: Number(r.t_posted_late),
  }))
}
