import { POSTING_FLOWS } from '../../domain/txn-state'

/**
 * The transaction state (server/domain/txn-state.ts) as one SQL expression over the MERGED
 * txn_summary columns (see MERGED_TXN_COLUMNS in txn.ts), so search filters, lists, dashboard
 * counts and alert rules all classify a transaction the same way. Precedence:
 *
 *   posted         a successful ERP posting (for flows without one: the last hop reported ok);
 *   dead_lettered  parked, and not since replayed (a replay in flight is in progress again);
 *   partial        the confirmation posted partially and the failed part has not posted yet;
 *   stuck          a posting flow, older than its flow SLA, with nothing above;
 *   waiting        retrying after a dependency error (stock deficit);
 *   retrying       retrying after a transient error;
 *   in_progress    everything else.
 *
 * The flow SLA (ms) comes from parameters: `plant|flow` entries, then `plant|*`, then a default
 * (services/sla/book.ts builds them from the SLA targets).
 */

export interface FlowSlaMs {
  plant: string
  /** '*' = every flow of the plant without its own entry. */
  flow: string
  ms: number
}

export interface TxnStateParams {
  now: Date
  slas: readonly FlowSlaMs[]
  defaultSlaMs: number
}

/** The parameter of TXN_CLOSED_SQL and TXN_OPEN_STATE_SQL, which need no time nor SLA. */
export const postingFlowsParam = (): Record<string, unknown> => ({ stPostingFlows: [...POSTING_FLOWS] })

/** Query parameters the expressions below need (names prefixed `st` to stay out of the caller's way). */
export function txnStateParams(p: TxnStateParams): Record<string, unknown> {
  return {
    stNow: p.now,
    stSlaKeys: p.slas.map((s) => `${s.plant}|${s.flow}`),
    stSlaMs: p.slas.map((s) => Math.round(s.ms)),
    stSlaDefault: Math.round(p.defaultSlaMs),
    ...postingFlowsParam(),
  }
}

/** The flow SLA of the row's plant and flow, in ms. */
export const TXN_SLA_MS_SQL = `transform(concat(plant, '|', flow), {stSlaKeys:Array(String)}, {stSlaMs:Array(Int64)},
  transform(concat(plant, '|*'), {stSlaKeys:Array(String)}, {stSlaMs:Array(Int64)}, {stSlaDefault:Int64}))`

/** TXN_SLA_MS_SQL of one plant and flow, for a query that needs only that one (a constant costs its analysis nothing). */
export function txnSlaMs(p: TxnStateParams, plant: string, flow: string): number {
  const of = (f: string) => p.slas.find((s) => s.plant === plant && s.flow === f)
  return Math.round((of(flow) ?? of('*'))?.ms ?? p.defaultSlaMs)
}

/** Age of the transaction at `now` (ms since its source event). */
export const TXN_AGE_MS_SQL = `dateDiff('millisecond', origin_time, {stNow:DateTime64(3, 'UTC')})`

/** Posted (closed): a successful ERP posting, or for flows without one, the last hop reported ok. */
export const TXN_CLOSED_SQL = `(posted = 1 OR (NOT has({stPostingFlows:Array(String)}, flow) AND last_status = 'ok'))`

/**
 * The state of a transaction that is not closed, apart from "stuck", which depends on the time of
 * the read: stored statistics keep this one and decide stuck when they are read (queries/hour-stats/read.ts).
 */
export const TXN_OPEN_STATE_SQL = `multiIf(
  dead_lettered = 1 AND (replayed = 0 OR last_status = 'dead_lettered'), 'dead_lettered',
  has(error_categories, 'partial'), 'partial',
  last_status = 'retrying' AND has(error_categories, 'dependency'), 'waiting',
  last_status = 'retrying', 'retrying',
  'in_progress')`

/** Open states that give way to "stuck" once a posting flow is past its SLA. */
export const STUCK_PRECEDES = ['waiting', 'retrying', 'in_progress'] as const

export const TXN_STATE_SQL = `multiIf(
  ${TXN_CLOSED_SQL}, 'posted',
  has({stPostingFlows:Array(String)}, flow) AND ${TXN_AGE_MS_SQL} > ${TXN_SLA_MS_SQL}
    AND ${TXN_OPEN_STATE_SQL} IN ('${STUCK_PRECEDES.join("', '")}'), 'stuck',
  ${TXN_OPEN_STATE_SQL})`
