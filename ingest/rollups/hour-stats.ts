import type { ClickHouse } from '../../server/clickhouse/client'
import { refreshHourStats, staleHours } from '../../server/clickhouse/queries/hour-stats/store'
import { refreshStaleSummaryHours } from '../../server/clickhouse/queries/reconciliation-hours'
import { refreshStaleKpiHours } from '../../server/clickhouse/queries/reconciliation-kpis'
import type { Logger } from '../../server/logger'
import { every } from '../every'

/**
 * The worker keeps hour_stats current (server/clickhouse/queries/hour-stats/): every minute
 * it recomputes the closed origin hours whose hop events changed since they were stored, oldest first,
 * in chunks, and goes on at once while there are more (catching up after a restart, a migration or
 * a backfill). The reconciliation's hours (recon_hour, recon_kpi_hour) likewise, up to the hour
 * before the current one, so that no dashboard or Reconciliation read has to build them (the KPI
 * read computes the current hour live anyway). Nothing here is state: what is stale is read from
 * ClickHouse each time, so a crash or a second worker loses or breaks nothing; a dashboard
 * computes what is still stale itself.
 * An idle worker does not ask: while this process wrote no rows (`written`), the look for stale
 * hours runs every 5 minutes only — for what other writers (another worker, a migration) changed.
 * The open hour is not stored: telemetry makes it stale again with the next insert (every few
 * seconds), so every read computes it live anyway, and storing it each time was the refresher's
 * main cost in the running demo (bench suite `idle`). It is stored once it has closed.
 */

export interface HourStatsRefresher {
  stop(): Promise<void>
}

/** TTL of the tables: older hours are not worth computing. */
const LOOKBACK_MS = 400 * 86_400_000
const RECON_LOOKBACK_MS = 90 * 86_400_000
const HOUR = 3_600_000
const CHUNK = 48
/** How often stale hours are looked for when this process wrote nothing new. */
const QUIET_CHECK_MS = 5 * 60_000

export interface HourStatsDeps {
  clickhouse: ClickHouse
  logger: Logger
  intervalMs?: number
  /** Rows this process's ingest wrote so far (a counter that only grows; null: unknown); without it every run looks. */
  written?: () => number | null
}

export function startHourStatsRefresher(deps: HourStatsDeps): HourStatsRefresher {
  // Every minute, not every few seconds: closed hours turn stale only by late events, and a dashboard
  // computes stale hours itself, so refreshing it more often only costs (bench suite `idle`).
  const intervalMs = deps.intervalMs ?? 60_000
  let failing = false
  // What the last look saw; none while catching up (a full chunk), after a failure, or before the first.
  let seen: { written: number | null; at: number } | undefined
  const loop = every('hour-stats', intervalMs, Math.min(intervalMs, 2_000), async () => {
    try {
      const now = Date.now()
      const written = deps.written?.() ?? null
      if (seen && written !== null && written === seen.written && now - seen.at < QUIET_CHECK_MS) return
      // Taken before the look: rows written during it make the next run look again.
      seen = undefined
      const look = { written, at: now }
      const started = performance.now()
      const closed = new Date(Math.floor(now / HOUR) * HOUR)
      const hours = await staleHours(deps.clickhouse, { since: new Date(now - LOOKBACK_MS), until: closed, limit: CHUNK })
      await refreshHourStats(deps.clickhouse, hours)
      const recon = { since: new Date(now - RECON_LOOKBACK_MS), until: closed, limit: CHUNK }
      const summaryHours = await refreshStaleSummaryHours(deps.clickhouse, recon)
      const kpiHours = await refreshStaleKpiHours(deps.clickhouse, recon)
      if (failing) deps.logger.info('hour stats refresh works again')
      failing = false
      if (hours.length + summaryHours + kpiHours === 0) {
        seen = look
        return
      }
      deps.logger.debug({ hours: hours.length, summaryHours, kpiHours, ms: Math.round(performance.now() - started) }, 'hour stats refreshed')
      // A full chunk means more may be waiting: go on without the pause.
      if (Math.max(hours.length, summaryHours, kpiHours) === CHUNK) return 0
      seen = look
    } catch (error) {
      if (!failing) deps.logger.warn({ err: error }, 'hour stats refresh failed; dashboards compute stale hours themselves until it works again')
      failing = true
    }
  })
  return { stop: loop.stop }
}
