/**
 * The ingest worker's status, as the console shows it (health endpoint, header indicator). The
 * worker lives in ingest/ and registers a provider here: server/ never imports ingest/. When no
 * worker runs in this process (`npm run web`), the console reports freshness from ClickHouse.
 */
export interface IngestStatus {
  status: 'ok' | 'behind' | 'stalled' | 'stopped' | 'starting' | 'remote'
  /** Records not yet committed across partitions (null when not known in this process). */
  lag: number | null
  written: number | null
  newest_event_time: string | null
  last_error?: string
}

type Provider = () => IngestStatus
const KEY = Symbol.for('linetrace.ingest-status')
type Holder = Record<symbol, Provider | undefined>

export function setIngestStatusProvider(provider: Provider | undefined): void {
  ;(globalThis as unknown as Holder)[KEY] = provider
}

export function localIngestStatus(): IngestStatus | null {
  return (globalThis as unknown as Holder)[KEY]?.() ?? null
}

/** Freshness thresholds of the header indicator and the health status (KPIS.md: < 10 s; red past 60 s). */
export const FRESHNESS_AMBER_S = 10
export const FRESHNESS_RED_S = 60
export const LAG_AMBER = 10_000
export const LAG_RED = 100_000
