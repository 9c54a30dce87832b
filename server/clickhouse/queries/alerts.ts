import type { ClickHouse } from '../client'
import { chQuery, type Actor } from '../exec'
import { fromChDateTime } from '../../domain/ch-time'
import { SMALL_READ } from './small-read'
import { TXN_GROUP_BY } from './txn'
import { TXN_AGE_MS_SQL, TXN_SLA_MS_SQL, TXN_STATE_SQL, txnStateParams, type TxnStateParams } from './txn-state'
import { assertWindow, floorTo } from './window'

/**
 * Reads of the alert evaluator that the dashboard queries (kpi.ts) do not answer: stuck
 * transactions beyond their SLA, first-pass success over settled transactions, a plant's newest
 * event. All from txn_summary (a rollup sorted by plant first), never from hop_events, and each
 * for every plant of an evaluation at once (grouped), so a tick costs a few queries whatever the
 * number of rules.
 */



export interface StuckGroup {
  plant: string
  flow: string
  line: string
  stuck: number
  /** origin_time of the oldest stuck transaction of the group. */
  oldest: Date | null
}

/**
 * The merged txn_summary columns TXN_STATE_SQL reads (see MERGED_TXN_COLUMNS in txn.ts), plus the
 * line: the stuck count merges a day of transactions every tick, and the other merged columns
 * (documents, business keys, event counts) cost most of that time.
 */
const STATE_INPUT_COLUMNS = `plant, flow, origin_time, correlation_id,
            max(posted) AS posted,
            argMaxMerge(last_status) AS last_status,
            max(dead_lettered) AS dead_lettered,
            max(replayed) AS replayed,
            groupUniqArrayArray(error_categories) AS error_categories,
            argMaxMerge(line) AS line`

/**
 * Transactions with origin in [from, now) whose state is stuck and whose age exceeds their flow
 * SLA by more than `extraMs`, counted per plant, flow and line. Only transactions older than the
 * shortest SLA can be stuck, and only unposted ones: both cut the merge before the state is judged.
 */
export async function stuckTransactions(
  ch: ClickHouse,
  q: { plants: string[]; from: Date; extraMs: number; state: TxnStateParams; actor: Actor },
): Promise<StuckGroup[]> {
  const shortestSla = Math.min(q.state.defaultSlaMs, ...q.state.slas.map((s) => s.ms))
  const to = new Date(q.state.now.getTime() - Math.max(0, shortestSla) - q.extraMs)
  if (q.plants.length === 0 || to.getTime() <= q.from.getTime()) return []
  const { rows } = await chQuery<{ plant: string; flow: string; line: string; stuck: number; oldest: string | null }>(ch, {
    name: 'alerts.stuckTransactions',
    sql: `SELECT plant, flow, line, count() AS stuck, minOrNull(origin_time) AS oldest
          FROM (
            SELECT ${STATE_INPUT_COLUMNS}
            FROM ${ch.database}.txn_summary
            WHERE plant IN {plants:Array(String)}
              AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}
            ${TXN_GROUP_BY}
            HAVING posted = 0
          )
          WHERE ${TXN_STATE_SQL} = 'stuck' AND ${TXN_AGE_MS_SQL} > ${TXN_SLA_MS_SQL} + {extraMs:Int64}
          GROUP BY plant, flow, line`,
    params: { plants: q.plants, from: q.from, to, extraMs: Math.round(q.extraMs), ...txnStateParams(q.state) },
    actor: q.actor,
  })
  return rows.map((r) => ({ ...r, stuck: Number(r.stuck), oldest: r.oldest ? fromChDateTime(r.oldest) : null }))
}

/** Occurrence time of each plant's newest hop event among transactions that started since `since`. */
export async function plantNewestEvents(ch: ClickHouse, q: { plants: string[]; since: Date; actor: Actor }): Promise<Map<string, Date>> {
  if (q.plants.length === 0) return new Map()
  const { rows } = await chQuery<{ plant: string; newest: string }>(ch, {
    name: 'alerts.plantNewestEvent',
    // hour_marks keeps the newest event time per origin hour (migration 0004): a few hundred rows,
    // where txn_summary would be every transaction of the days.
    sql: `SELECT plant, max(newest) AS newest
          FROM ${ch.database}.hour_marks
          WHERE plant IN {plants:Array(String)} AND bucket >= {since:DateTime64(3, 'UTC')}
          GROUP BY plant`,
    params: { plants: q.plants, since: floorTo(q.since, 3_600_000) },
    actor: q.actor,
    settings: SMALL_READ,
  })
  return new Map(rows.map((r) => [r.plant, fromChDateTime(r.newest)]))
}

/**
 * The plants that sent any telemetry in [since, before): a non-event window counts only once
 * Linetrace was observing the plant when it began (no alarm for the minutes before a first start).
 */
export async function plantsSeenBetween(ch: ClickHouse, q: { plants: string[]; since: Date; before: Date; actor: Actor }): Promise<Set<string>> {
  assertWindow(q.since, q.before)
  if (q.plants.length === 0) return new Set()
  const { rows } = await chQuery<{ plant: string }>(ch, {
    name: 'alerts.plantsSeenBetween',
    sql: `SELECT plant FROM ${ch.database}.txn_summary
          WHERE plant IN {plants:Array(String)} AND origin_time >= {since:DateTime64(3, 'UTC')} AND origin_time < {before:DateTime64(3, 'UTC')}
          LIMIT 1 BY plant`,
    params: { plants: q.plants, since: q.since, before: q.before },
    actor: q.actor,
  })
  return new Set(rows.map((r) => r.plant))
}
