import { KafkaTransport } from '../../server/bus/kafka'
import { createClickHouse, type ClickHouse } from '../../server/clickhouse/client'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { loadConfig } from '../../server/config'
import { createDb, type Db } from '../../server/db/client'
import { freshPostgresDatabase } from '../../server/db/testing'
import { logger } from '../../server/logger'
import { ingestMetrics } from '../../ingest/telemetry/metrics'
import { createTelemetryPipeline, type TelemetryPipeline } from '../../ingest/telemetry/pipeline'

/**
 * What the ingest-path bench children share (bench/ingest/child.ts, bench/otlp/child.ts): each
 * measured phase runs in a process of its own, so its peak RSS is its own, on fresh stores.
 */

/** Rows an insert of the insert-only phase (b): BENCH_INSERT_BATCH, default 50k. */
export const insertBatchRows = (): number => Number(process.env.BENCH_INSERT_BATCH ?? 50_000)

/**
 * Where a bench process keeps its workflow state (checkpoints, plants): `pglite`, the embedded
 * default of `npm start`, inside the process; `postgres`, a fresh database on the machine's
 * PostgreSQL, as a split deployment's worker has it (ARCHITECTURE.md: `npm run ingest` refuses
 * embedded stores). PGlite weighs on the process: a bare node process that starts one in memory
 * went from 115 to 797 MiB RSS (its WASM heap, 128 MiB of shared buffers, the cluster's files).
 */
export type WorkflowStore = 'pglite' | 'postgres'

/** A phase's store argument, checked. */
export function workflowStore(arg: string | undefined): WorkflowStore {
  if (arg === 'pglite' || arg === 'postgres') return arg
  throw new Error(`workflow store must be pglite or postgres, not ${JSON.stringify(arg)}`)
}

/** A migrated chDB under `dataDir` and a migrated workflow store. */
export async function openStores(dataDir: string, workflow: WorkflowStore = 'pglite'): Promise<{ ch: ClickHouse; db: Db; close(): Promise<void> }> {
  const ch = createClickHouse({ database: 'linetrace', dataDir })
  await migrateClickHouse(ch)
  const server = workflow === 'postgres' ? await freshPostgresDatabase() : undefined
  const db = await createDb(server ? { databaseUrl: server.url, dataDir } : { dataDir, inMemory: true })
  await db.migrate()
  return {
    ch,
    db,
    async close() {
      await db.close()
      await ch.close()
      await server?.drop()
    },
  }
}

/**
 * The telemetry pipeline as the full-pipeline phase runs it (not started): our Kafka transport, fresh
 * stores under `dataDir` (the workflow store `workflow`), a group of its own reading `topic` from its
 * start. `observe` may wrap the ClickHouse handle the pipeline writes through (the freshness phase
 * records insert acknowledgements).
 */
export async function benchPipeline(
  brokers: string,
  topic: string,
  dataDir: string,
  workflow: WorkflowStore,
  observe: (ch: ClickHouse) => ClickHouse = (ch) => ch,
): Promise<{ pipeline: TelemetryPipeline; ch: ClickHouse; close(): Promise<void> }> {
  // The pipeline's tuning (INGEST_BATCH_MAX_ROWS, INGEST_FLUSH_MS, INGEST_PARTITIONS_IN_FLIGHT, …) from
  // the bench's environment, so a setting can be tried without editing the bench.
  const tuning = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('INGEST_')))
  const config = loadConfig({ ...tuning, KAFKA_BROKERS: brokers, DATA_DIR: dataDir, TELEMETRY_TOPIC: topic, TELEMETRY_DLQ_TOPIC: `${topic}.dlq`, KAFKA_GROUP_ID: `bench-pipeline-${Date.now()}`, LOG_LEVEL: 'warn' })
  const stores = await openStores(dataDir, workflow)
  const transport = new KafkaTransport(config.kafka)
  const pipeline = createTelemetryPipeline({ transport, clickhouse: observe(stores.ch), prisma: stores.db.prisma, config, logger })
  return {
    pipeline,
    ch: stores.ch,
    async close() {
      await pipeline.stop()
      await transport.close()
      await stores.close()
    },
  }
}

/**
 * What the process's pipelines wrote so far: their batches (per partition), the engine's inserts of
 * hop_events (a combined insert writes every batch waiting, ingest/telemetry/coalescer.ts) and
 * their seconds per table.
 */
export async function insertTotals() {
  const m = ingestMetrics()
  const rows = (await m.batchRows.get()).values
  const seconds = (await m.insertSeconds.get()).values
  const of = (suffix: '_sum' | '_count', table: string) => seconds.find((v) => v.metricName?.endsWith(suffix) && v.labels.table === table)?.value ?? 0
  return {
    batches: rows.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0,
    inserts: of('_count', 'hop_events'),
    hopEventsSeconds: of('_sum', 'hop_events'),
    hopPayloadsSeconds: of('_sum', 'hop_payloads'),
  }
}

export type InsertTotals = Awaited<ReturnType<typeof insertTotals>>

/**
 * The inserts of a measured window of `seconds` that wrote `rows`. `insertBusyShare`: the share of
 * the window with an insert call of hop_events in flight (chInsert: serialising its Native block,
 * then the engine's write; hop_payloads run beside it). The coalescer runs one at a time, so near 1
 * the inserts are what limits the window's rate, not the decoding of deliveries beside them. An
 * insert counts in the window it ends in.
 */
export function insertWindow(before: InsertTotals, after: InsertTotals, rows: number, seconds: number) {
  const inserts = after.inserts - before.inserts
  const hopEventsSeconds = after.hopEventsSeconds - before.hopEventsSeconds
  return {
    /** The pipeline's batches (per partition) … */
    batches: after.batches - before.batches,
    /** … and the engine's inserts of hop_events that wrote them (group commit: one holds several batches). */
    inserts,
    rowsPerInsert: inserts ? Math.round(rows / inserts) : 0,
    insertSecondsHopEvents: Math.round(hopEventsSeconds * 100) / 100,
    insertSecondsHopPayloads: Math.round((after.hopPayloadsSeconds - before.hopPayloadsSeconds) * 100) / 100,
    insertBusyShare: Math.round((hopEventsSeconds / seconds) * 100) / 100,
  }
}

export type InsertWindow = ReturnType<typeof insertWindow>
