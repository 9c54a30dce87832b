/**
 * The replay executor as a separate process, for kill-and-restart tests: PostgreSQL at argv[2],
 * Kafka at argv[3], telemetry topic argv[4], lease in ms argv[5]. Prints its status as a JSON line
 * every 100 ms; SIGTERM stops it gracefully (the test also sends SIGKILL).
 */
import { KafkaTransport } from '../../../server/bus/kafka'
import { systemPrincipal } from '../../../server/context/ctx'
import { makeCtx } from '../../../server/services/testing/ctx'
import { loadConfig } from '../../../server/config'
import { createDb } from '../../../server/db/client'
import { logger } from '../../../server/logger'
import { createReplayExecutor } from '../executor'

const [databaseUrl, brokers, topic, leaseMs] = process.argv.slice(2) as [string, string, string, string]
const config = loadConfig({ DATA_DIR: '.', DATABASE_URL: databaseUrl, AUTH_SECRET: 'x'.repeat(32), KAFKA_BROKERS: brokers, TELEMETRY_TOPIC: topic })
const db = await createDb({ databaseUrl, dataDir: '.' })
const transport = new KafkaTransport(config.kafka)
const executor = createReplayExecutor({ ctx: makeCtx({ db: db.prisma, config, logger }, systemPrincipal('replay-executor')), transport }, { leaseMs: Number(leaseMs), pollMs: 100 })
executor.start()
const timer = setInterval(() => process.stdout.write(`${JSON.stringify(executor.status())}\n`), 100)

process.on('SIGTERM', () => {
  clearInterval(timer)
  void (async () => {
    await executor.stop()
    await transport.close()
    await db.close()
    process.exit(0)
  })()
})
