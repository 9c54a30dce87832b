import type { ClickHouse } from '../client'
import { chQuery, type Actor } from '../exec'
import { TXN_SLA_MS_SQL, txnStateParams, type TxnStateParams } from './txn-state'
import { assertWindow } from './window'
import { RECON_KINDS, type ReconKind } from '../../domain/reconciliation'
import { POSTING_FLOWS } from '../../domain/txn-state'

/**
 * Reconciliation reads over recon_txn (0007_reconciliation.sql): what the shop floor sent against
 * what ERP posted, per transaction of the posting flows, by origin time (the source event, src(f)).
 *
 * Per transaction (merged over its rows; a transaction is one source event, EVENT-MODEL.md):
 *   source quantity  the good quantity of its MES event; without one, of its other shop-floor event
 *                    (WMS for transfers and shipments); NULL when none reports a quantity;
 *   ERP quantity     the quantity its ERP document confirmed; with two documents, both added (more
 *                    than two are counted as two: the rollup keeps the smallest and largest); NULL
 *                    when no posting carried a quantity (goods movements post without one: not compared);
 *   posted at        its first successful posting (succeeded or partially succeeded).
 * Differences (a transaction may have several):
 *   never_posted     no successful posting, and either older than its flow SLA or parked in a
 *                    dead-letter queue (dead-lettered and not replayed since). A transaction without
 *                    a posting that is still within its SLA and not parked is "in flight", not a
 *                    difference: the hub may still post it;
 *   posted_twice     two or more distinct ERP documents (a re-sent event or a reconciled retry
 *                    reporting the same document is one);
 *   quantity_differs both quantities known and |source − ERP| > 0.0005 (quantities carry 3 decimals);
 *   posted_late      first posting later than the flow SLA after the source event.
 */

export interface ReconWindow {
  plant: string
  from: Date
  to: Date
  flows?: readonly string[]
  state: TxnStateParams
  /** IANA time zone of the plant: days are plant-local days. */
  timeZone: string
  actor?: Actor
}

export interface ReconDayRow {
  day: string
  flow: string
  transactions: number
  posted: number
  in_flight: number
  documents: number
  source_qty: number
  erp_qty: number
  never_posted: number
  posted_twice: number
  quantity_differs: number
  posted_late: number
}

export interface ReconTxnRow {
  correlation_id: string
  origin_time: string
  flow: string
  work_order: string
  kinds: ReconKind[]
  source_qty: number | null
  erp_qty: number | null
  documents: string[]
  first_posted_at: string | null
  delay_ms: number | null
  sla_ms: number
  parked: number
}

/**
 * One row per transaction of the window, merged over its recon_txn rows: quantities, documents,
 * first posting, the material movement, parked. Nothing here depends on the time of the read or the SLA (the hourly
 * numbers of reconciliation-hours.ts are stored from it). `extraWhere` narrows the scan.
 */
export function mergedTxnSql(ch: ClickHouse, extraWhere = ''): string {
  return `
    SELECT plant, flow, origin_time, correlation_id, work_order, source_qty, doc_min, doc_max, twice,
      if(qty_hi IS NULL, NULL, if(twice, qty_lo + qty_hi, qty_hi)) AS erp_qty,
      first_posted_at, movement_at, parked, delay_ms,
      first_posted_at IS NOT NULL AND source_qty IS NOT NULL AND erp_qty IS NOT NULL AND abs(source_qty - erp_qty) > 0.0005 AS quantity_differs
    FROM (
      -- The plant column itself, never a constant aliased \`plant\`: ClickHouse resolves WHERE names to
      -- SELECT aliases first, and \`{plant} AS plant\` turned the plant filter below into {plant} = {plant}.
      SELECT plant, flow, origin_time, correlation_id,
        max(work_order) AS work_order,
        coalesce(max(mes_qty), max(floor_qty)) AS source_qty,
        min(doc_min) AS doc_min,
        max(doc_max) AS doc_max,
        doc_min IS NOT NULL AND doc_min != doc_max AS twice,
        min(erp_qty_min) AS qty_lo,
        max(erp_qty_max) AS qty_hi,
        min(first_posted_at) AS first_posted_at,
        min(movement_at) AS movement_at,
        max(dead_lettered_at) AS dl_at,
        max(replayed_at) AS rp_at,
        dl_at IS NOT NULL AND (rp_at IS NULL OR rp_at <= dl_at) AS parked,
        if(first_posted_at IS NULL, NULL, dateDiff('millisecond', origin_time, first_posted_at)) AS delay_ms
      FROM ${ch.database}.recon_txn
      WHERE plant = {plant:String} AND flow IN {flows:Array(String)}
        AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')} ${extraWhere}
      GROUP BY plant, flow, origin_time, correlation_id
    )`
}

/** The merged transaction with its difference flags judged at `stNow` against the flow SLA. */
export function txnSql(ch: ClickHouse, extraWhere = ''): string {
  return `
    SELECT *,
      first_posted_at IS NULL AND (parked OR age_ms > sla_ms) AS never_posted,
      first_posted_at IS NOT NULL AND delay_ms > sla_ms AS posted_late
    FROM (
      SELECT *, ${TXN_SLA_MS_SQL} AS sla_ms, dateDiff('millisecond', origin_time, {stNow:DateTime64(3, 'UTC')}) AS age_ms
      FROM (${mergedTxnSql(ch, extraWhere)})
    )`
}

export function baseParams(w: ReconWindow): Record<string, unknown> {
  assertWindow(w.from, w.to)
  const flows = w.flows?.length ? w.flows.filter((f) => (POSTING_FLOWS as readonly string[]).includes(f)) : [...POSTING_FLOWS]
  return { plant: w.plant, flows, from: w.from, to: w.to, tz: w.timeZone, ...txnStateParams(w.state) }
}

/** Per plant-local day and flow: source transactions and quantities against ERP postings, and the differences. */
export async function reconSummary(ch: ClickHouse, w: ReconWindow): Promise<ReconDayRow[]> {
  // The counts are read as n_*: an alias equal to a column of the subquery would shadow it inside the aggregate.
  type Raw = Omit<ReconDayRow, 'never_posted' | 'posted_twice' | 'quantity_differs' | 'posted_late'> &
    Record<'n_never_posted' | 'n_posted_twice' | 'n_quantity_differs' | 'n_posted_late', number>
  const { rows } = await chQuery<Raw>(ch, {
    name: 'reconciliation.summary',
    sql: `SELECT toString(toDate(origin_time, {tz:String})) AS day, flow,
            count() AS transactions,
            countIf(first_posted_at IS NOT NULL) AS posted,
            countIf(first_posted_at IS NULL AND NOT never_posted) AS in_flight,
            sum(if(doc_min IS NULL, 0, if(twice, 2, 1))) AS documents,
            sum(ifNull(source_qty, 0)) AS source_qty,
            sum(ifNull(erp_qty, 0)) AS erp_qty,
            countIf(never_posted) AS n_never_posted,
            countIf(twice) AS n_posted_twice,
            countIf(quantity_differs) AS n_quantity_differs,
            countIf(posted_late) AS n_posted_late
          FROM (${txnSql(ch)})
          GROUP BY day, flow
          ORDER BY day DESC, flow`,
    params: baseParams(w),
    actor: w.actor,
  })
  return rows.map(({ n_never_posted, n_posted_twice, n_quantity_differs, n_posted_late, ...r }) => ({
    ...r,
    source_qty: Number(r.source_qty),
    erp_qty: Number(r.erp_qty),
    never_posted: n_never_posted,
    posted_twice: n_posted_twice,
    quantity_differs: n_quantity_differs,
    posted_late: n_posted_late,
  }))
}

/**
 * The transactions with a difference, newest first, keyset-paged on (origin_time, correlation_id):
 * `after` is the last row of the previous page. Reads limit + 1 rows (the extra says "more").
 */
export async function reconTransactions(
  ch: ClickHouse,
  w: ReconWindow & { kinds?: readonly ReconKind[]; after?: { originTime: string; correlationId: string }; limit: number },
): Promise<ReconTxnRow[]> {
  const kinds = w.kinds?.length ? [...w.kinds] : [...RECON_KINDS]
  const after = w.after ? `AND (origin_time, correlation_id) < ({afterTime:DateTime64(3, 'UTC')}, {afterId:String})` : ''
  const { rows } = await chQuery<ReconTxnRow>(ch, {
    name: 'reconciliation.transactions',
    sql: `SELECT correlation_id, toString(origin_time) AS origin_time, flow, work_order, source_qty, erp_qty,
            arrayDistinct(arrayFilter(d -> d != '', [ifNull(doc_min, ''), ifNull(doc_max, '')])) AS documents,
            arrayFilter(k -> k != '', [if(never_posted, 'never_posted', ''), if(twice, 'posted_twice', ''),
              if(quantity_differs, 'quantity_differs', ''), if(posted_late, 'posted_late', '')]) AS kinds,
            if(first_posted_at IS NULL, NULL, toString(first_posted_at)) AS first_posted_at, delay_ms, sla_ms, toUInt8(parked) AS parked
          FROM (${txnSql(ch, after)})
          WHERE (never_posted AND has({kinds:Array(String)}, 'never_posted')) OR (twice AND has({kinds:Array(String)}, 'posted_twice'))
            OR (quantity_differs AND has({kinds:Array(String)}, 'quantity_differs')) OR (posted_late AND has({kinds:Array(String)}, 'posted_late'))
          ORDER BY origin_time DESC, correlation_id DESC
          LIMIT {limit:UInt32}`,
    params: { ...baseParams(w), kinds, limit: w.limit + 1, ...(w.after ? { afterTime: w.after.originTime, afterId: w.after.correlationId } : {}) },
    actor: w.actor,
  })
  return rows.map((r) => ({ ...r, delay_ms: r.delay_ms === null ? null : Number(r.delay_ms), sla_ms: Number(r.sla_ms) }))
}
