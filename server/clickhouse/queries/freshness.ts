import type { ClickHouse } from '../client'
import { chQuery } from '../exec'

/**
 * Newest ingested hop event, for processes that do not run the worker themselves (`npm run web`).
 * Bounded by origin_time so it prunes to the last two weekly partitions.
 */
export async function newestIngest(ch: ClickHouse): Promise<{ newestEventTime: string | null; ingestedAt: string | null }> {
  const { rows } = await chQuery<{ newest: string | null; ingested: string | null }>(ch, {
    name: 'health.newestIngest',
    sql: `SELECT maxOrNull(occurred_at) AS newest, maxOrNull(ingested_at) AS ingested
          FROM ${ch.database}.hop_events
          WHERE origin_time >= now64(3) - INTERVAL 8 DAY`,
    maxExecutionTimeSec: 5,
  })
  return { newestEventTime: rows[0]?.newest ?? null, ingestedAt: rows[0]?.ingested ?? null }
}
