import type { ClickHouse } from '../client'
import { chQuery, type Actor } from '../exec'
import { MERGED_TXN_COLUMNS, TXN_GROUP_BY } from './txn'
import { TXN_AGE_MS_SQL, TXN_SLA_MS_SQL, TXN_STATE_SQL, txnStateParams, type TxnStateParams } from './txn-state'
import { assertWindow } from './window'

/**
 * Reads of the alert evaluator that the dashboard queries (kpi.ts) do not answer: stuck
 * transactions beyond their SLA, first-pass success over settled transactions, and a plant's newest
 * event. All from txn_summary (a rollup, sorted by plant first), never from hop_events. `flow` '*'
 * means every flow of the plant; `line` '' every line.
 */

const ACTOR: Actor = { route: 'worker:alerts', user: 'system' }

/** DateTime64 text as FORMAT JSON returns it ('YYYY-MM-DD hh:mm:ss.sss', UTC) → Date. */
function utc(text: string | null | undefined): Date | null {
  return text ? new Date(`${text.replace(' ', 'T')}Z`) : null
}

export interface StuckCount {
  stuck: number
  /** origin_time of the oldest stuck transaction, null when none. */
  oldest: Date | null
}

/**
 * Transactions of the plant (and flow, line) with origin in [from, now) whose state is stuck and
 * whose age exceeds their flow SLA by more than `extraMs`.
 */
export async function stuckTransactions(
  ch: ClickHouse,
  q: { plant: string; flow: string; line?: string | null; from: Date; extraMs: number; state: TxnStateParams },
): Promise<StuckCount> {
  assertWindow(q.from, q.state.now)
  const { rows } = await chQuery<{ stuck: number; oldest: string | null }>(ch, {
    name: 'alerts.stuckTransactions',
    sql: `SELECT count() AS stuck, minOrNull(origin_time) AS oldest
          FROM (
            SELECT ${MERGED_TXN_COLUMNS}
            FROM ${ch.database}.txn_summary
            WHERE plant = {plant:String}
              AND ({flow:String} = '*' OR flow = {flow:String})
              AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {stNow:DateTime64(3, 'UTC')}
            ${TXN_GROUP_BY}
          )
          WHERE ${TXN_STATE_SQL} = 'stuck'
            AND ${TXN_AGE_MS_SQL} > ${TXN_SLA_MS_SQL} + {extraMs:Int64}
            AND ({line:String} = '' OR line = {line:String})`,
    params: { plant: q.plant, flow: q.flow, line: q.line ?? '', from: q.from, extraMs: Math.round(q.extraMs), ...txnStateParams(q.state) },
    actor: ACTOR,
  })
  return { stuck: Number(rows[0]?.stuck ?? 0), oldest: utc(rows[0]?.oldest) }
}

export interface FirstPassCount {
  /** Transactions with a posting request whose first attempt has an outcome (posted or failed). */
  settled: number
  firstAttemptOk: number
}

/**
 * First-pass posting success (KPIS.md) over transactions with origin in [from, to). Exact
 * (txn_summary, per transaction); a transaction whose first attempt is still in flight is left out
 * rather than counted as a failure.
 */
export async function firstPassCounts(ch: ClickHouse, q: { plant: string; flow: string; from: Date; to: Date }): Promise<FirstPassCount> {
  assertWindow(q.from, q.to)
  const { rows } = await chQuery<{ settled: number; first_ok: number }>(ch, {
    name: 'alerts.firstPass',
    sql: `SELECT countIf(req = 1 AND (ok1 = 1 OR err = 1 OR done = 1)) AS settled, countIf(req = 1 AND ok1 = 1) AS first_ok
          FROM (
            SELECT max(posting_requested) AS req, max(first_attempt_ok) AS ok1, max(has_error) AS err, max(posted) AS done
            FROM ${ch.database}.txn_summary
            WHERE plant = {plant:String}
              AND ({flow:String} = '*' OR flow = {flow:String})
              AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}
            ${TXN_GROUP_BY}
          )`,
    params: { plant: q.plant, flow: q.flow, from: q.from, to: q.to },
    actor: ACTOR,
  })
  return { settled: Number(rows[0]?.settled ?? 0), firstAttemptOk: Number(rows[0]?.first_ok ?? 0) }
}

/** Occurrence time of the plant's newest hop event among transactions that started since `since`. */
export async function plantNewestEvent(ch: ClickHouse, q: { plant: string; since: Date }): Promise<Date | null> {
  const { rows } = await chQuery<{ newest: string | null }>(ch, {
    name: 'alerts.plantNewestEvent',
    sql: `SELECT maxOrNull(last_seen) AS newest
          FROM ${ch.database}.txn_summary
          WHERE plant = {plant:String} AND origin_time >= {since:DateTime64(3, 'UTC')}`,
    params: { plant: q.plant, since: q.since },
    actor: ACTOR,
  })
  return utc(rows[0]?.newest)
}
