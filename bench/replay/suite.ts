import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createReplayExecutor } from '../../ingest/replay/executor'
import { KafkaTransport } from '../../server/bus/kafka'
import { createClickHouse } from '../../server/clickhouse/client'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { loadConfig } from '../../server/config'
import type { Db } from '../../server/db/client'
import { freshDb, type TestEngine } from '../../server/db/testing'
import { logger } from '../../server/logger'
import { systemPrincipal } from '../../server/context/ctx'
import { createReplayJob } from '../../server/services/replays/create-job'
import { dryRunReplay } from '../../server/services/replays/dry-run'
import { makeCtx } from '../../server/services/testing/ctx'
import { insertDeadLetter, insertUniquePlant } from '../../server/services/testing/replays'
import { makePrincipal } from '../../server/services/testing/principal'
import { buildReplayRecord } from '../../ingest/replay/record'
import { startBroker } from '../ingest/suite'
import type { BenchResult } from '../suites'

/**
 * `npm run bench -- replay`: what the replay path costs. N dead letters are replayed at the highest
 * rate a job may ask for; the baseline is the bare producer sending the same records in the same
 * batches, measured in the same run. Also the dry run of N records (Postgres + two ClickHouse reads)
 * and job creation (the conditional claim and N items), on PGlite and on the local PostgreSQL.
 */

const N = Number(process.env.BENCH_REPLAY_RECORDS ?? 10_000)
const RATE = 2_000

interface Row {
  engine: TestEngine
  dryRunMs: number
  createMs: number
  executorSeconds: number
  executorRate: number
  producerRate: number
}

async function measure(engine: TestEngine, brokers: string, chDir: string): Promise<Row> {
  const kafka = new KafkaTransport({ brokers: brokers.split(','), clientId: 'lt-bench-replay', groupId: 'lt-bench-replay', ssl: false })
  const clickhouse = createClickHouse({ database: 'linetrace', dataDir: chDir })
  await migrateClickHouse(clickhouse)
  const db: Db = await freshDb(engine)
  const config = loadConfig({ DATA_DIR: '.', KAFKA_BROKERS: brokers, TELEMETRY_TOPIC: `lt.bench.telemetry-${randomBytes(3).toString('hex')}` })
  try {
    const source = `lt.bench.replay-${randomBytes(3).toString('hex')}`
    const baseline = `${source}.baseline`
    await kafka.ensureTopics([{ name: source, partitions: 6 }, { name: baseline, partitions: 6 }, { name: config.env.TELEMETRY_TOPIC, partitions: 6 }])
    const plant = await insertUniquePlant(db.prisma)
    for (let i = 0; i < N; i++) await insertDeadLetter(db.prisma, { plant, sourceTopic: source })
    const operator = makePrincipal('operator', [plant])

    let t0 = performance.now()
    await dryRunReplay(makeCtx({ db: db.prisma, ch: clickhouse, config }, operator), { filter: { plant } })
    const dryRunMs = performance.now() - t0
    t0 = performance.now()
    const { job } = await createReplayJob(makeCtx({ db: db.prisma, ch: clickhouse, config }, operator), { filter: { plant }, reason: 'bench', ratePerSecond: RATE })
    const createMs = performance.now() - t0

    // Baseline: the same records, the same batch size, one send after another.
    const items = await db.prisma.replayItem.findMany({ where: { jobId: job.id }, include: { deadLetter: true } })
    const records = items.map((i) => buildReplayRecord({ itemId: i.id, jobId: job.id, replayedBy: 'bench', reason: 'bench', editedValue: null, count: 1, at: new Date(), source: i.deadLetter }).record)
    const producer = await kafka.producer()
    t0 = performance.now()
    for (let i = 0; i < records.length; i += Math.ceil(RATE / 5)) await producer.send(baseline, records.slice(i, i + Math.ceil(RATE / 5)))
    const producerRate = N / ((performance.now() - t0) / 1000)

    const executor = createReplayExecutor({ ctx: makeCtx({ db: db.prisma, config, logger }, systemPrincipal('replay-executor')), transport: kafka }, { pollMs: 50 })
    t0 = performance.now()
    executor.start()
    for (;;) {
      const j = await db.prisma.replayJob.findUniqueOrThrow({ where: { id: job.id } })
      if (j.status === 'completed') break
      await new Promise((r) => setTimeout(r, 100))
    }
    const executorSeconds = (performance.now() - t0) / 1000
    await executor.stop()
    return { engine, dryRunMs, createMs, executorSeconds, executorRate: N / executorSeconds, producerRate }
  } finally {
    await db.close()
    await clickhouse.close()
    await kafka.close()
  }
}

export async function replaySuite(): Promise<BenchResult> {
  const broker = startBroker()
  const chDir = mkdtempSync(join(tmpdir(), 'lt-bench-replay-ch-'))
  try {
    const rows: Row[] = []
    for (const engine of ['pglite', 'postgres'] as const) rows.push(await measure(engine, broker.brokers, chDir))
    const r1 = (n: number) => Math.round(n * 10) / 10
    return {
      params: { records: N, ratePerSecond: RATE },
      metrics: Object.fromEntries(rows.map((r) => [r.engine, { ...r, efficiency: r.executorRate / RATE, vsProducer: r.executorRate / r.producerRate }])),
      table: [
        ['engine', 'dry run (ms)', 'create job (ms)', 'executor (records/s)', 'of the rate asked', 'bare producer (records/s)', 'executor / producer'],
        ...rows.map((r) => [r.engine, Math.round(r.dryRunMs), Math.round(r.createMs), r1(r.executorRate), `${Math.round((r.executorRate / RATE) * 100)} %`, r1(r.producerRate), Math.round((r.executorRate / r.producerRate) * 100) / 100]),
      ],
      notes: [`${N} dead letters replayed at ${RATE}/s (the highest rate a job may ask for); the producer baseline sends the same records in the same batch size.`],
    }
  } finally {
    rmSync(chDir, { recursive: true, force: true })
    broker.stop()
  }
}
