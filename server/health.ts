import type { Runtime } from './runtime'
import { chQuery } from './clickhouse/exec'
import { newestIngest } from './clickhouse/queries/freshness'
import { localIngestStatus, type IngestStatus } from './ingest-status'

export interface Health {
  status: 'ok' | 'degraded'
  mode: { transport: 'local' | 'kafka'; clickhouse: 'embedded' | 'server'; postgres: 'embedded' | 'server' }
  clickhouse: { ok: boolean; version?: string; error?: string }
  postgres: { ok: boolean; error?: string }
  ingest: IngestStatus
  /**
   * Topic taps as the worker last reported them (tap_status, every ~5 s, from whichever process
   * runs it). Public, so without error texts: those quote the tapped records (see /admin/taps).
   */
  taps: TapHealth[]
  failing: string[]
  uptime_s: number
}

export interface TapHealth {
  name: string
  state: string
  paused: boolean
  mapped: number
  failed: number
  records_per_second: number
  lag: number
  updated_at: string
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Probes each store with a trivial query; a failing part is named so an operator knows where to look. */
export async function checkHealth(runtime: Runtime): Promise<Health> {
  const [ch, pg, taps] = await Promise.allSettled([
    chQuery<{ version: string }>(runtime.clickhouse, { name: 'health.version', sql: 'SELECT version() AS version', maxExecutionTimeSec: 5 }),
    runtime.db.prisma.$queryRaw<{ ok: number }[]>`SELECT 1 AS ok`,
    runtime.db.prisma.tapStatus.findMany({ orderBy: { name: 'asc' } }),
  ])
  const clickhouse = ch.status === 'fulfilled' ? { ok: true, version: ch.value.rows[0]?.version } : { ok: false, error: message(ch.reason) }
  const postgres = pg.status === 'fulfilled' ? { ok: true } : { ok: false, error: message(pg.reason) }
  const ingest = localIngestStatus() ?? (await remoteIngestStatus(runtime))
  const failing = [
    ...(clickhouse.ok ? [] : ['clickhouse']),
    ...(postgres.ok ? [] : ['postgres']),
    ...(ingest.status === 'stalled' ? ['ingest'] : []),
  ]
  return {
    status: failing.length ? 'degraded' : 'ok',
    mode: runtime.config.modes,
    clickhouse,
    postgres,
    ingest,
    taps:
      taps.status === 'fulfilled'
        ? taps.value.map((t) => ({
            name: t.name,
            state: t.state,
            paused: t.pausedReason !== null,
            mapped: Number(t.mapped),
            failed: Number(t.failed),
            records_per_second: t.recordsPerSecond,
            lag: Number(t.lag),
            updated_at: t.updatedAt.toISOString(),
          }))
        : [],
    failing,
    uptime_s: Math.round((Date.now() - runtime.startedAt.getTime()) / 1000),
  }
}

/** Without a worker in this process, freshness is all the console can tell about ingest. */
async function remoteIngestStatus(runtime: Runtime): Promise<IngestStatus> {
  const newest = await newestIngest(runtime.clickhouse).catch(() => null)
  return { status: 'remote', lag: null, written: null, newest_event_time: newest?.newestEventTime ?? null }
}
