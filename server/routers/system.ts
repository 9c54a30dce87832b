import { newestIngest } from '../clickhouse/queries/freshness'
import { FRESHNESS_AMBER_S, FRESHNESS_RED_S, LAG_AMBER, LAG_RED, localIngestStatus } from '../ingest-status'
import { authedProcedure, router } from '../trpc'

export type IngestLevel = 'ok' | 'amber' | 'red' | 'idle'

export const systemRouter = router({
  /** The header's freshness indicator: how far behind the newest ingested event is, and the lag. */
  ingest: authedProcedure.query(async ({ ctx }) => {
    const local = localIngestStatus()
    const newest = local ? local.newest_event_time : (await newestIngest(ctx.runtime.clickhouse)).newestEventTime
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
  }),
})
