import type { ClickHouse } from '../client'
import { chQuery, identifier, type Actor } from '../exec'
import { DEFAULT_FLOW_SLA_MS } from '../../domain/sla'
import type { TxnState } from '../../domain/txn-state'
import { TXN_SLA_MS_SQL, TXN_STATE_SQL, txnStateParams, type TxnStateParams } from './txn-state'
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
  state: TxnState
  /** The flow SLA the state was judged against. */
  sla_ms: number
}

export const TXN_SORTS = ['origin_time', 'last_seen', 'first_seen'] as const

/**
 * One transaction per row from txn_summary: the per-transaction merge of every part, aliased to the
 * column names (ClickHouse resolves an aggregate's argument to the table column and later
 * references to the merged value). Use as `SELECT ${MERGED_TXN_COLUMNS} FROM txn_summary WHERE …
 * GROUP BY plant, flow, origin_time, correlation_id`; TXN_STATE_SQL (txn-state.ts) reads these.
 */
export const MERGED_TXN_COLUMNS = `plant, flow, origin_time, correlation_id,
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
            argMaxMerge(line) AS line`

export const TXN_GROUP_BY = 'GROUP BY plant, flow, origin_time, correlation_id'

/**
 * Merged transactions with their state and flow SLA, from txn_summary rows matching `where` (SQL
 * over the table's columns, values as parameters): the one subquery lists and search read.
 */
export function mergedTxnsSql(database: string, where: string): string {
  return `SELECT *, ${TXN_STATE_SQL} AS state, ${TXN_SLA_MS_SQL} AS sla_ms
          FROM (
            SELECT ${MERGED_TXN_COLUMNS}
            FROM ${database}.txn_summary
            WHERE ${where}
            ${TXN_GROUP_BY}
          )`
}

const DEFAULT_STATE = (): TxnStateParams => ({ now: new Date(), slas: [], defaultSlaMs: DEFAULT_FLOW_SLA_MS })

/** Transactions of the plants in [from, to) (by origin_time), merged, with their state. */
export async function txnSummaries(
  ch: ClickHouse,
  q: {
    plants: string[]
    from: Date
    to: Date
    correlationIds?: string[]
    sort?: string
    limit?: number
    /** Defaults to now and the default flow SLA for every plant. */
    state?: TxnStateParams
    actor?: Actor
  },
): Promise<TxnSummaryRow[]> {
  assertWindow(q.from, q.to)
  if (q.plants.length === 0) return []
  const sort = identifier(q.sort ?? 'origin_time', TXN_SORTS)
  const byIds = q.correlationIds !== undefined
  const state = q.state ?? DEFAULT_STATE()
  const { rows } = await chQuery<TxnSummaryRow>(ch, {
    name: 'txn.summaries',
    sql: `${mergedTxnsSql(
      ch.database,
      `plant IN {plants:Array(String)}
              AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}
              ${byIds ? 'AND correlation_id IN {ids:Array(String)}' : ''}`,
    )}
          ORDER BY ${sort} DESC, correlation_id
          LIMIT {limit:UInt32}`,
    params: {
      plants: q.plants,
      from: q.from,
      to: q.to,
      limit: q.limit ?? 200,
      ...txnStateParams(state),
      ...(byIds ? { ids: q.correlationIds } : {}),
    },
    actor: q.actor,
  })
  return rows
}

/** Keyset position in a list ordered by (origin_time, correlation_id) descending. */
export interface TxnCursor {
  originTime: Date
  correlationId: string
}

export interface TxnSearchQuery {
  plants: readonly string[]
  from: Date
  to: Date
  flows?: readonly string[]
  states?: readonly TxnState[]
  lines?: readonly string[]
  /** Only these transactions (a business-key or correlation-id search resolved them). */
  correlationIds?: readonly string[]
  after?: TxnCursor
  limit: number
  state?: TxnStateParams
  actor?: Actor
}

/**
 * One page of transactions, newest source event first, filtered by plant, flow, line and state.
 * Keyset pagination: the cursor bounds origin_time in the inner read too, so later pages prune.
 */
export async function searchTxns(ch: ClickHouse, q: TxnSearchQuery): Promise<TxnSummaryRow[]> {
  assertWindow(q.from, q.to)
  if (q.plants.length === 0 || q.correlationIds?.length === 0) return []
  const where = [
    'plant IN {plants:Array(String)}',
    "origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}",
    q.flows?.length ? 'flow IN {flows:Array(String)}' : '',
    q.correlationIds ? 'correlation_id IN {ids:Array(String)}' : '',
    q.after ? "origin_time <= {afterT:DateTime64(3, 'UTC')}" : '',
  ].filter(Boolean)
  const outer = [
    q.states?.length ? 'state IN {states:Array(String)}' : '',
    q.lines?.length ? 'line IN {lines:Array(String)}' : '',
    q.after ? "(origin_time, correlation_id) < ({afterT:DateTime64(3, 'UTC')}, {afterId:String})" : '',
  ].filter(Boolean)
  const { rows } = await chQuery<TxnSummaryRow>(ch, {
    name: 'txn.search',
    sql: `SELECT * FROM (${mergedTxnsSql(ch.database, where.join(' AND '))})
          ${outer.length ? `WHERE ${outer.join(' AND ')}` : ''}
          ORDER BY origin_time DESC, correlation_id DESC
          LIMIT {limit:UInt32}`,
    params: {
      plants: q.plants,
      from: q.from,
      to: q.to,
      limit: q.limit,
      ...(q.flows?.length ? { flows: q.flows } : {}),
      ...(q.correlationIds ? { ids: q.correlationIds } : {}),
      ...(q.states?.length ? { states: q.states } : {}),
      ...(q.lines?.length ? { lines: q.lines } : {}),
      ...(q.after ? { afterT: q.after.originTime, afterId: q.after.correlationId } : {}),
      ...txnStateParams(q.state ?? DEFAULT_STATE()),
    },
    actor: q.actor,
  })
  return rows
}
