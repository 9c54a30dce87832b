import { KafkaTransport } from '../../server/bus/kafka'
import { createClickHouse, type ClickHouse } from '../../server/clickhouse/client'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { loadConfig } from '../../server/config'
import { createDb, type Db } from '../../server/db/client'
import { logger } from '../../server/logger'
import { createTelemetryPipeline, type TelemetryPipeline } from '../../ingest/telemetry/pipeline'

/**
 * What the ingest-path bench children share (bench/ingest/child.ts, bench/otlp/child.ts): each
 * measured phase runs in a process of its own, so its peak RSS is its own, on fresh stores.
 */

/** Rows an insert of the insert-only phase (b): BENCH_INSERT_BATCH, default 50k. */
export const insertBatchRows = (): number => Number(process.env.BENCH_INSERT_BATCH ?? 50_000)

/** A migrated chDB and an in-memory embedded Postgres (checkpoints, plants) under `dataDir`. */
export async function openStores(dataDir: string): Promise<{ ch: ClickHouse; db: Db; close(): Promise<void> }> {
  const ch = createClickHouse({ database: 'linetrace', dataDir })
  await migrateClickHouse(ch)
  const db = await createDb({ dataDir, inMemory: true })
  await db.migrate()
  return {
    ch,
    db,
    async close() {
      await db.close()
      await ch.close()
    },
  }
}

/**
 * The telemetry pipeline as the full-pipeline phase runs it (not started): our Kafka transport, fresh
 * stores under `dataDir`, a group of its own reading `topic` from its start. `observe` may wrap the
 * ClickHouse handle the pipeline writes through (the freshness phase records insert acknowledgements).
 */
export async function benchPipeline(
  brokers: string,
  topic: string,
  dataDir: string,
  observe: (ch: ClickHouse) => ClickHouse = (ch) => ch,
): Promise<{ pipeline: TelemetryPipeline; ch: ClickHouse; close(): Promise<void> }> {
  // The pipeline's tuning (INGEST_BATCH_MAX_ROWS, INGEST_FLUSH_MS, INGEST_PARTITIONS_IN_FLIGHT, …) from
  // the bench's environment, so a setting can be tried without editing the bench.
  const tuning = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('INGEST_')))
  const config = loadConfig({ ...tuning, KAFKA_BROKERS: brokers, DATA_DIR: dataDir, TELEMETRY_TOPIC: topic, TELEMETRY_DLQ_TOPIC: `${topic}.dlq`, KAFKA_GROUP_ID: `bench-pipeline-${Date.now()}`, LOG_LEVEL: 'warn' })
  const stores = await openStores(dataDir)
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
