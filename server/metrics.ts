import { Registry, collectDefaultMetrics, Counter, Histogram } from 'prom-client'

/**
 * One Prometheus registry per process, kept on globalThis because Next.js bundles route handlers
 * separately from the start script: without it each bundle would register its own metrics.
 */
const KEY = Symbol.for('linetrace.metrics')

function build() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'linetrace_' })
  return {
    registry,
    clickhouseQueryDuration: new Histogram({
      name: 'linetrace_clickhouse_query_duration_seconds',
      help: 'Duration of ClickHouse queries issued through the exec seam, by query name',
      labelNames: ['query', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    clickhouseRowsRead: new Counter({
      name: 'linetrace_clickhouse_rows_read_total',
      help: 'Rows read by ClickHouse queries, by query name',
      labelNames: ['query'] as const,
      registers: [registry],
    }),
    replayRecords: new Counter({
      name: 'linetrace_replay_records_total',
      help: 'Records of replay jobs by outcome: produced, failed, recovered (found in the topic after a crash)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    replayResolved: new Counter({
      name: 'linetrace_replay_resolved_total',
      help: 'Replayed dead letters that telemetry confirmed as posted (resolved)',
      registers: [registry],
    }),
    periodicJob: new Histogram({
      name: 'linetrace_periodic_job_seconds',
      help: 'Duration of the worker\'s periodic jobs (ingest/every.ts), by job: what the process does when nobody is looking',
      labelNames: ['job'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'linetrace_http_requests_total',
      help: 'API requests by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
  }
}

type Metrics = ReturnType<typeof build>

export function metrics(): Metrics {
  return perProcess(KEY, build)
}

/**
 * One instance per process under `key` on globalThis: metric sets register on the shared registry
 * once, however many module graphs (the start script, Next.js route bundles) ask for them.
 */
export function perProcess<T>(key: symbol, build: () => T): T {
  const g = globalThis as unknown as Record<symbol, T | undefined>
  return (g[key] ??= build())
}
