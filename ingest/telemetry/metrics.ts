import { Counter, Gauge, Histogram } from 'prom-client'
import { metrics, perProcess } from '../../server/metrics'

/**
 * Telemetry-ingest metrics on the process's shared registry (server/metrics.ts). Built once per
 * process and kept on globalThis, like the registry: a second pipeline in the same process (tests,
 * a restart) reuses them instead of failing on duplicate registration.
 */

const KEY = Symbol.for('linetrace.ingest.telemetry.metrics')

function build() {
  const registers = [metrics().registry]
  return {
    consumed: new Counter({
      name: 'linetrace_ingest_records_consumed_total',
      help: 'Telemetry records handed to the ingest pipeline by the transport',
      registers,
    }),
    written: new Counter({
      name: 'linetrace_ingest_rows_written_total',
      help: 'Rows acknowledged by ClickHouse, by table (a batch re-sent after a crash counts again here; ClickHouse drops it)',
      labelNames: ['table'] as const,
      registers,
    }),
    invalid: new Counter({
      name: 'linetrace_ingest_records_invalid_total',
      help: 'Telemetry records sent to the dead-letter topic, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    batchRows: new Histogram({
      name: 'linetrace_ingest_batch_rows',
      help: 'Rows per ClickHouse insert batch',
      buckets: [1, 10, 100, 500, 1000, 5000, 10_000, 25_000, 50_000, 100_000],
      registers,
    }),
    insertSeconds: new Histogram({
      name: 'linetrace_ingest_insert_duration_seconds',
      help: 'Duration of one acknowledged ClickHouse insert of an ingest batch, by table',
      labelNames: ['table'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    coalescedBatches: new Histogram({
      name: 'linetrace_ingest_coalesced_batches',
      help: 'Trickle batches (of any pipeline of the process) written by one combined insert (coalescer.ts)',
      buckets: [1, 2, 3, 5, 10, 20, 50],
      registers,
    }),
    lag: new Gauge({
      name: 'linetrace_ingest_consumer_lag',
      help: 'Records in the telemetry topic not yet committed by the ingest group, per partition',
      labelNames: ['topic', 'partition'] as const,
      registers,
    }),
    newestEventTime: new Gauge({
      name: 'linetrace_ingest_newest_event_time_seconds',
      help: 'occurred_at of the newest hop event written, as unix seconds',
      registers,
    }),
    errors: new Counter({
      name: 'linetrace_ingest_errors_total',
      help: 'Failed attempts of the ingest pipeline (each is retried), by stage',
      labelNames: ['stage'] as const,
      registers,
    }),
  }
}

export type IngestMetrics = ReturnType<typeof build>

export function ingestMetrics(): IngestMetrics {
  return perProcess(KEY, build)
}
