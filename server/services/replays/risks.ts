import type { ClickHouse } from '../../clickhouse/client'
import { chQuery, type Actor } from '../../clickhouse/exec'
import { fromChDateTime } from '../../domain/ch-time'

/**
 * The two telemetry checks of a replay dry run (DLQ-REPLAY.md "Dry run"), each one query per chunk
 * of records, bounded in time by the records' own times:
 *
 * - **Duplicate risk**: the transaction already shows `erp.posting_succeeded` with the record's
 *   idempotency key (any posting of the transaction when the record has no key). Replaying it
 *   would post twice wherever the target does not deduplicate. hop_events is sorted by
 *   correlation_id, so the read is a point read per transaction; origin_time prunes partitions.
 *
 * - **Ordering risk**: since the record failed, ERP posted another transaction with the same
 *   business key (its work order, else its lot). Replaying now posts the older message after the
 *   newer one: an intermediate confirmation after the final one, a goods movement after the stock
 *   it assumed was consumed. Only other transactions count (the record's own is the duplicate
 *   check), only postings count (a newer event that did not post changed nothing in ERP), and only
 *   after the failure (what posted before it was the order the record was already in).
 */

const DAY = 86_400_000
const CHUNK = 1000

export interface RiskSubject {
  id: string
  correlationId: string
  plant: string | null
  /** The transaction's start, when the indexer decoded it. */
  originTime: Date | null
  /** When the record was dead-lettered (the failure). */
  failedAt: Date
  idempotencyKey?: string
  orderingKey?: { type: 'work_order' | 'lot'; value: string }
}

export interface PostedFinding {
  postedAt: Date
  erpDocument: string | null
}

export interface NewerFinding {
  correlationId: string
  postedAt: Date
}

/** The origin-time window of a set of records: their own origin times, or up to a week before their failure. */
function originWindow(subjects: readonly RiskSubject[], slackMs = 0): { lo: Date; hi: Date } {
  let lo = Infinity
  let hi = -Infinity
  for (const s of subjects) {
    const from = s.originTime ? s.originTime.getTime() : s.failedAt.getTime() - 7 * DAY
    const to = s.originTime ? s.originTime.getTime() : s.failedAt.getTime()
    lo = Math.min(lo, from - slackMs)
    hi = Math.max(hi, to)
  }
  return { lo: new Date(lo), hi: new Date(hi + 1) }
}

function chunks<T>(list: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size))
  return out
}

/** Records whose transaction already posted (see the file comment). */
export async function findAlreadyPosted(ch: ClickHouse, subjects: readonly RiskSubject[], actor?: Actor): Promise<Map<string, PostedFinding>> {
  const found = new Map<string, PostedFinding>()
  for (const chunk of chunks(subjects)) {
    const { lo, hi } = originWindow(chunk)
    const { rows } = await chQuery<{ correlation_id: string; idempotency_key: string; posted_at: string; erp_document: string }>(ch, {
      name: 'replays.alreadyPosted',
      sql: `SELECT correlation_id, idempotency_key, min(occurred_at) AS posted_at, argMin(erp_document, occurred_at) AS erp_document
              FROM ${ch.database}.hop_events
             WHERE correlation_id IN {cids:Array(String)}
               AND origin_time >= {lo:DateTime64(3, 'UTC')} AND origin_time < {hi:DateTime64(3, 'UTC')}
               AND event_type = 'erp.posting_succeeded'
             GROUP BY correlation_id, idempotency_key`,
      params: { cids: [...new Set(chunk.map((s) => s.correlationId))], lo, hi },
      actor,
    })
    for (const s of chunk) {
      const hit = rows
        .filter((r) => r.correlation_id === s.correlationId && (s.idempotencyKey === undefined || r.idempotency_key === s.idempotencyKey))
        .sort((a, b) => a.posted_at.localeCompare(b.posted_at))[0]
      if (hit) found.set(s.id, { postedAt: fromChDateTime(hit.posted_at), erpDocument: hit.erp_document || null })
    }
  }
  return found
}

/** Records for whose business key another transaction posted after the failure (see the file comment). */
export async function findNewerPostings(ch: ClickHouse, subjects: readonly RiskSubject[], actor?: Actor): Promise<Map<string, NewerFinding>> {
  const found = new Map<string, NewerFinding>()
  const keyed = subjects.filter((s) => s.orderingKey && s.plant)
  for (const chunk of chunks(keyed)) {
    // Other transactions may have started up to a day before this one and posted after it failed.
    const { lo } = originWindow(chunk, DAY)
    const since = new Date(Math.min(...chunk.map((s) => s.failedAt.getTime())))
    const orders = chunk.filter((s) => s.orderingKey!.type === 'work_order').map((s) => s.orderingKey!.value)
    const lots = chunk.filter((s) => s.orderingKey!.type === 'lot').map((s) => s.orderingKey!.value)
    const { rows } = await chQuery<{ key_type: string; key_value: string; correlation_id: string; posted_at: string }>(ch, {
      name: 'replays.newerPostings',
      sql: `WITH keyed AS (
              SELECT DISTINCT key_type, key_value, correlation_id
                FROM ${ch.database}.txn_keys
               WHERE ((key_type = 'work_order' AND key_value IN {orders:Array(String)}) OR (key_type = 'lot' AND key_value IN {lots:Array(String)}))
                 AND plant IN {plants:Array(String)}
                 AND origin_time >= {lo:DateTime64(3, 'UTC')}
            )
            SELECT k.key_type AS key_type, k.key_value AS key_value, h.correlation_id AS correlation_id, max(h.occurred_at) AS posted_at
              FROM ${ch.database}.hop_events AS h
             INNER JOIN keyed AS k ON k.correlation_id = h.correlation_id
             WHERE h.correlation_id IN (SELECT correlation_id FROM keyed)
               AND h.origin_time >= {lo:DateTime64(3, 'UTC')}
               AND h.event_type IN ('erp.posting_succeeded', 'erp.posting_partially_succeeded')
               AND h.occurred_at > {since:DateTime64(3, 'UTC')}
             GROUP BY key_type, key_value, correlation_id
             LIMIT 20000`,
      params: { orders, lots, plants: [...new Set(chunk.map((s) => s.plant!))], lo, since },
      actor,
    })
    for (const s of chunk) {
      const newer = rows
        .filter((r) => r.key_type === s.orderingKey!.type && r.key_value === s.orderingKey!.value && r.correlation_id !== s.correlationId)
        .map((r) => ({ correlationId: r.correlation_id, postedAt: fromChDateTime(r.posted_at) }))
        .filter((r) => r.postedAt.getTime() > s.failedAt.getTime())
        .sort((a, b) => b.postedAt.getTime() - a.postedAt.getTime())[0]
      if (newer) found.set(s.id, newer)
    }
  }
  return found
}
