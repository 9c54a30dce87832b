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
  failing: string[]
  uptime_s: number
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Probes each store with a trivial query; a failing part is named so an operator knows where to look. */
export async function checkHealth(runtime: Runtime): Promise<Health> {
  const [ch, pg] = await Promise.allSettled([
    chQuery<{ version: string }>(runtime.clickhouse, { name: 'health.version', sql: 'SELECT version() AS version', maxExecutionTimeSec: 5 }),
    runtime.db.prisma.$queryRaw<{ ok: number }[]>`SELECT 1 AS ok`,
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
    failing,
    uptime_s: Math.round((Date.now() - runtime.startedAt.getTime()) / 1000),
  }
}

/** Without a worker in this process, freshness is all the console can tell about ingest. */
async function remoteIngestStatus(runtime: Runtime): Promise<IngestStatus> {
  const newest = await newestIngest(runtime.clickhouse).catch(() => null)
  return { status: 'remote', lag: null, written: null, newest_event_time: newest?.newestEventTime ?? null }
}
