import type { ClickHouse } from '../client'
import { chQuery, identifier, type Actor } from '../exec'
import { assertWindow } from './window'

/**
 * Transaction lists from txn_summary. Read pattern: always GROUP BY the full sort key and merge
 * (min/max/groupBitOr for SimpleAggregateFunction columns, -Merge for AggregateFunction ones):
 * parts are merged in the background at unknown times, so one transaction can be several rows.
 */

/** Bits of txn_summary.stages_seen (must match the transform() in 0002_rollups.sql). */
export const HOP_BITS: Readonly<Record<string, number>> = {
  machine: 1,
  edge: 2,
  mes: 4,
  hub: 8,
  erp: 16,
  wms: 32,
  qms: 64,
  console: 128,
}
export const OTHER_HOP_BIT = 32768

export function hopBit(hop: string): number {
  return HOP_BITS[hop] ?? OTHER_HOP_BIT
}

export interface TxnSummaryRow {
  plant: string
  flow: string
  origin_time: string
  correlation_id: string
  first_seen: string
  last_seen: string
  last_ingested_at: string
  max_attempt: number
  stages_seen: number
  has_error: number
  error_categories: string[]
  last_status: string
  last_event_type: string
  last_hop: string
  posting_requested: number
  posted: number
  /** null until the first erp.posting_succeeded. */
  first_posted_at: string | null
  first_attempt_ok: number
  had_transient: number
  dead_lettered: number
  replayed: number
  erp_documents: string[]
  events: number
  work_order: string
  material: string
  line: string
}

export const TXN_SORTS = ['origin_time', 'last_seen', 'first_seen'] as const

export async function txnSummaries(
  ch: ClickHouse,
  q: {
    plants: string[]
    from: Date
    to: Date
    correlationIds?: string[]
    sort?: string
    limit?: number
    actor?: Actor
  },
): Promise<TxnSummaryRow[]> {
  assertWindow(q.from, q.to)
  if (q.plants.length === 0) return []
  const sort = identifier(q.sort ?? 'origin_time', TXN_SORTS)
  const byIds = q.correlationIds !== undefined
  const { rows } = await chQuery<TxnSummaryRow>(ch, {
    name: 'txn.summaries',
    // Aggregates are aliased to their column names; ClickHouse resolves the argument of an
    // aggregate to the table column, and ORDER BY to the merged value.
    sql: `SELECT plant, flow, origin_time, correlation_id,
            min(first_seen) AS first_seen,
            max(last_seen) AS last_seen,
            max(last_ingested_at) AS last_ingested_at,
            max(max_attempt) AS max_attempt,
            groupBitOr(stages_seen) AS stages_seen,
            max(has_error) AS has_error,
            arraySort(groupUniqArrayArray(error_categories)) AS error_categories,
            argMaxMerge(last_status) AS last_status,
            argMaxMerge(last_event_type) AS last_event_type,
            argMaxMerge(last_hop) AS last_hop,
            max(posting_requested) AS posting_requested,
            max(posted) AS posted,
            min(first_posted_at) AS first_posted_at,
            max(first_attempt_ok) AS first_attempt_ok,
            max(had_transient) AS had_transient,
            max(dead_lettered) AS dead_lettered,
            max(replayed) AS replayed,
            arraySort(groupUniqArrayArray(erp_documents)) AS erp_documents,
            uniqExactMerge(events) AS events,
            argMaxMerge(work_order) AS work_order,
            argMaxMerge(material) AS material,
            argMaxMerge(line) AS line
          FROM ${ch.database}.txn_summary
          WHERE plant IN {plants:Array(String)}
            AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}
            ${byIds ? 'AND correlation_id IN {ids:Array(String)}' : ''}
          GROUP BY plant, flow, origin_time, correlation_id
          ORDER BY ${sort} DESC, correlation_id
          LIMIT {limit:UInt32}`,
    params: {
      plants: q.plants,
      from: q.from,
      to: q.to,
      limit: q.limit ?? 200,
      ...(byIds ? { ids: q.correlationIds } : {}),
    },
    actor: q.actor,
  })
  return rows
}
