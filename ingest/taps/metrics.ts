import { Counter, Gauge } from 'prom-client'
import { metrics, perProcess } from '../../server/metrics'

/**
 * Per-tap metrics on the process's shared registry (server/metrics.ts), kept on globalThis like the
 * telemetry and OTLP ones. Rows the taps' pipelines write are also in the ingest metrics.
 */

const KEY = Symbol.for('linetrace.ingest.taps.metrics')

function build() {
  const registers = [metrics().registry]
  return {
    records: new Counter({
      name: 'linetrace_tap_records_total',
      help: 'Records read by a topic tap, by tap and result (mapped to a hop event, or failed and dead-lettered)',
      labelNames: ['tap', 'result'] as const,
      registers,
    }),
    lag: new Gauge({
      name: 'linetrace_tap_lag',
      help: "Records of the tapped topics not yet committed by the tap's consumer group",
      labelNames: ['tap'] as const,
      registers,
    }),
    recordsPerSecond: new Gauge({
      name: 'linetrace_tap_records_per_second',
      help: 'Records a tap read per second over its last status interval',
      labelNames: ['tap'] as const,
      registers,
    }),
    state: new Gauge({
      name: 'linetrace_tap_state',
      help: 'A tap’s state: 1 for the state it is in (starting, running, paused, stopped), 0 for the others',
      labelNames: ['tap', 'state'] as const,
      registers,
    }),
  }
}

export type TapMetrics = ReturnType<typeof build>

export function tapMetrics(): TapMetrics {
  return perProcess(KEY, build)
}
