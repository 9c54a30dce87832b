/**
 * `npm run ingest`: the worker alone, for split deployments (scale out up to the partition count;
 * the Kafka consumer group shares the partitions). Needs a ClickHouse server and PostgreSQL.
 * Serves /metrics (Prometheus) and /healthz on INGEST_PORT, and the OTLP/HTTP receiver on
 * OTLP_HTTP_PORT (ingest/otlp/).
 */
import { createServer } from 'node:http'
import { closeTransport, getTransport } from '../server/bus'
import { clickHouseOptions, createClickHouse } from '../server/clickhouse/client'
import { migrateClickHouse } from '../server/clickhouse/migrate'
import { loadConfigOrExit } from '../server/config'
import { createDb } from '../server/db/client'
import { localIngestStatus } from '../server/ingest-status'
import { logger } from '../server/logger'
import { metrics } from '../server/metrics'
import { serveOtlp } from './otlp/http-server'
import { startWorker } from './worker'

const config = loadConfigOrExit('ingest')
const clickhouse = createClickHouse(clickHouseOptions(config))
const db = await createDb({ databaseUrl: config.env.DATABASE_URL, dataDir: config.env.DATA_DIR })
try {
  await migrateClickHouse(clickhouse)
  await db.migrate()
} catch (error) {
  logger.fatal({ err: error }, 'could not migrate the stores')
  process.exit(1)
}
const transport = getTransport(config)
const worker = await startWorker({ config, clickhouse, prisma: db.prisma, transport, logger })
const otlpServer = await serveOtlp({ config, transport, prisma: db.prisma, logger })

const server = createServer((req, res) => {
  void (async () => {
    if (req.url === '/metrics') {
      const { registry } = metrics()
      res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics())
    } else if (req.url === '/healthz') {
      const status = localIngestStatus()
      const ok = !!status && status.status !== 'stalled' && status.status !== 'stopped'
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok, ingest: status }))
    } else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found: try /metrics or /healthz"}')
  })()
})
server.listen(config.env.INGEST_PORT, () => logger.info({ port: config.env.INGEST_PORT, brokers: config.kafka.brokers }, 'ingest worker running'))

let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  logger.info({ signal }, 'ingest worker stopping')
  setTimeout(() => process.exit(0), 15_000).unref()
  server.close()
  otlpServer?.close()
  await worker.stop()
  await closeTransport()
  await Promise.allSettled([db.close(), clickhouse.close()])
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
