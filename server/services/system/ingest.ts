import { newestIngest } from '../../clickhouse/queries/freshness'
import type { Ctx } from '../../context/ctx'
import { FRESHNESS_AMBER_S, FRESHNESS_RED_S, LAG_AMBER, LAG_RED, localIngestStatus } from '../../ingest-status'

export type IngestLevel = 'ok' | 'amber' | 'red' | 'idle'

/** How far behind the newest ingested event is, and the lag: this process's worker, else ClickHouse. */
export async function ingestHealth(ctx: Pick<Ctx, 'ch'>) {
  const local = localIngestStatus()
  const newest = local ? local.newest_event_time : (await newestIngest(ctx.ch)).newestEventTime
  const freshnessS = newest ? Math.max(0, Math.round((Date.now() - new Date(newest).getTime()) / 1000)) : null
  const lag = local?.lag ?? null
  const level: IngestLevel =
    local?.status === 'stalled' || (lag ?? 0) >= LAG_RED || (freshnessS ?? 0) > FRESHNESS_RED_S
      ? 'red'
      : (lag ?? 0) >= LAG_AMBER || (freshnessS ?? 0) > FRESHNESS_AMBER_S
        ? 'amber'
        : freshnessS === null
          ? 'idle'
          : 'ok'
  return { status: local?.status ?? 'remote', lag, freshnessS, newestEventTime: newest, level, lastError: local?.last_error }
}
