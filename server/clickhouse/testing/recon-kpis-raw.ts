import type { ClickHouse } from '../client'
import { chQuery } from '../exec'
import { baseParams, txnSql, type ReconWindow } from '../queries/reconciliation'
import { reconKpiRow, type ReconKpiRow } from '../queries/reconciliation-kpis'

/**
 * The reconciliation KPIs by a scan of every transaction of the window (recon_txn merged per
 * transaction): the definition the stored per-hour sets of queries/reconciliation-kpis.ts must
 * reproduce exactly. Tests only: at 10M hop events this scan took over 10 s for 30 days.
 */
export async function reconKpisRawScan(ch: ClickHouse, w: Omit<ReconWindow, 'flows' | 'timeZone'>): Promise<ReconKpiRow> {
  const closedFrom = new Date(w.from.getTime() - 30 * 86_400_000)
  const { rows } = await chQuery<ReconKpiRow>(ch, {
    name: 'testing.reconKpisRawScan',
    sql: `WITH
            txns AS (${txnSql(ch)}),
            orders AS (
              SELECT work_order, sum(ifNull(source_qty, 0)) AS src, sum(ifNull(erp_qty, 0)) AS erp,
                if(src > 0, 100 * abs(src - erp) / src, NULL) AS gap_pct,
                work_order IN (
                  SELECT work_order FROM ${ch.database}.recon_txn
                  WHERE plant = {plant:String} AND flow = 'work_order_release' AND closes_order = 1
                    AND origin_time >= {closedFrom:DateTime64(3, 'UTC')} AND origin_time < {stNow:DateTime64(3, 'UTC')}
                ) AS closed
              FROM txns
              WHERE flow = 'production_confirmation' AND work_order != '' AND (first_posted_at IS NOT NULL OR never_posted)
              GROUP BY work_order
            )
          SELECT
            (SELECT countIf(closed) FROM orders) AS closed_orders,
            (SELECT countIf(closed AND gap_pct > 0) FROM orders) AS closed_with_gap,
            (SELECT maxIfOrNull(gap_pct, closed AND gap_pct IS NOT NULL) FROM orders) AS closed_max_gap_pct,
            (SELECT countIf(NOT closed) FROM orders) AS running_orders,
            (SELECT countIf(NOT closed AND gap_pct > 0) FROM orders) AS running_with_gap,
            (SELECT maxIfOrNull(gap_pct, NOT closed AND gap_pct IS NOT NULL) FROM orders) AS running_max_gap_pct,
            movements, delay_p95_ms, delay_max_ms
          FROM (
            SELECT count() AS movements, quantileExact(0.95)(d) AS delay_p95_ms, max(d) AS delay_max_ms
            FROM (
              SELECT dateDiff('millisecond', moved, posted) AS d
              FROM (
                SELECT min(movement_at) AS moved, min(first_posted_at) AS posted
                FROM ${ch.database}.recon_txn
                WHERE plant = {plant:String} AND flow IN ('goods_movement', 'inventory_transfer')
                  AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}
                GROUP BY flow, origin_time, correlation_id
              )
              WHERE moved IS NOT NULL AND posted IS NOT NULL
            )
          )`,
    // Only confirmations carry the orders' yield: the per-transaction merge reads that flow alone.
    params: { ...baseParams({ ...w, flows: ['production_confirmation'], timeZone: 'UTC' }), closedFrom },
    actor: w.actor,
  })
  return reconKpiRow(rows[0]!)
}
