import type { ClickHouse } from '../client'
import { fromChDateTime } from '../../domain/ch-time'
import { chQuery } from '../exec'

/**
 * The origin each transaction's hops were stored under, for hops that arrive without one when the
 * in-memory origin cache cannot say (ingest/taps/origin-gate.ts: after a restart, or an eviction —
 * an acknowledgement in flight at a stop, a replay of a days-old dead letter). The earliest, should
 * an older split have left two. One primary-key read of hop_events (ORDER BY correlation_id) for
 * a whole delivery; RFC 3339 text, as the pipeline writes it.
 */
export async function storedOrigins(ch: ClickHouse, correlationIds: readonly string[]): Promise<Map<string, string>> {
  if (correlationIds.length === 0) return new Map()
  const { rows } = await chQuery<{ correlation_id: string; origin: string }>(ch, {
    name: 'origins.stored',
    sql: `SELECT correlation_id, min(origin_time) AS origin
          FROM ${ch.database}.hop_events
          WHERE correlation_id IN {ids:Array(String)}
          GROUP BY correlation_id`,
    params: { ids: [...correlationIds] },
  })
  return new Map(rows.map((r) => [r.correlation_id, fromChDateTime(r.origin).toISOString()]))
}
