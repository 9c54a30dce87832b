import { Counter } from 'prom-client'
import { metrics, perProcess } from '../../server/metrics'

/**
 * OTLP metrics on the process's shared registry (server/metrics.ts), kept on globalThis like the
 * telemetry ones so a second receiver or worker in one process reuses them. Spans that became hops
 * are counted by the telemetry pipeline (rows written); unmapped ones as invalid records by reason.
 */

const KEY = Symbol.for('linetrace.ingest.otlp.metrics')

function build() {
  const registers = [metrics().registry]
  return {
    requests: new Counter({
      name: 'linetrace_otlp_requests_total',
      help: 'OTLP export requests answered by the receiver, by HTTP status',
      labelNames: ['status'] as const,
      registers,
    }),
    acceptedSpans: new Counter({
      name: 'linetrace_otlp_spans_accepted_total',
      help: 'Spans of OTLP requests written to the OTLP topic (an exporter retry counts again here)',
      registers,
    }),
    ignoredSpans: new Counter({
      name: 'linetrace_otlp_spans_ignored_total',
      help: 'Spans that are not hops (database calls, HTTP servers, batch polls), by service.name',
      labelNames: ['service'] as const,
      registers,
    }),
  }
}

export type OtlpMetrics = ReturnType<typeof build>

export function otlpMetrics(): OtlpMetrics {
  return perProcess(KEY, build)
}
