/**
 * The ingest worker as a separate process, for kill-and-restart tests: embedded chDB and PGlite
 * under argv[2], Kafka at argv[3], telemetry topic argv[4], group argv[5]. Prints its status as a
 * JSON line every 100 ms; SIGTERM stops it gracefully (the test also sends SIGKILL).
 */
import { KafkaTransport } from '../../server/bus/kafka'
import { createClickHouse } from '../../server/clickhouse/client'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { loadConfig } from '../../server/config'
import { createDb } from '../../server/db/client'
import { logger } from '../../server/logger'
import { createTelemetryPipeline } from '../telemetry/pipeline'

const [dataDir, brokers, topic, group] = process.argv.slice(2) as [string, string, string, string]
const config = loadConfig({ DATA_DIR: dataDir, KAFKA_BROKERS: brokers, TELEMETRY_TOPIC: topic, TELEMETRY_DLQ_TOPIC: `${topic}.dlq`, KAFKA_GROUP_ID: group, INGEST_BATCH_MAX_ROWS: '5000', INGEST_FLUSH_MS: '200', INGEST_PARTITIONS_IN_FLIGHT: '2' })
const clickhouse = createClickHouse({ database: 'linetrace', dataDir })
await migrateClickHouse(clickhouse)
const db = await createDb({ dataDir })
await db.migrate()
const transport = new KafkaTransport(config.kafka)
const pipeline = createTelemetryPipeline({ transport, clickhouse, prisma: db.prisma, config, logger, lagRefreshMs: 200 })
await pipeline.start()
const timer = setInterval(() => process.stdout.write(`${JSON.stringify(pipeline.status())}\n`), 100)

process.on('SIGTERM', () => {
  clearInterval(timer)
  void (async () => {
    await pipeline.stop()
    await transport.close()
    await db.close()
    await clickhouse.close()
    process.exit(0)
  })()
})
