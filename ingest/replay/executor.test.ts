import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { KafkaTransport } from '../../server/bus/kafka'
import { partitionForKey } from '../../server/bus/placement'
import type { BusProducer, BusRecord, Transport } from '../../server/bus/port'
import { kafkaTestConfig, uniqueTopic, waitFor } from '../../server/bus/testing'
import type { ClickHouse } from '../../server/clickhouse/client'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { openTestClickHouse } from '../../server/clickhouse/testing'
import { loadConfig, type Config } from '../../server/config'
import { createDb, type Db } from '../../server/db/client'
import { freshPgliteDb, freshPostgresDatabase } from '../../server/db/testing'
import { isDlqHeader } from '../../server/domain/dead-letters'
import { logger } from '../../server/logger'
import { systemPrincipal } from '../../server/context/ctx'
import type { Principal } from '../../server/domain/permissions'
import { controlReplayJob } from '../../server/services/replays/control-job'
import { createReplayJob } from '../../server/services/replays/create-job'
import { makeCtx } from '../../server/services/testing/ctx'
import { insertDeadLetter, insertUniquePlant, type DeadLetterBuilt } from '../../server/services/testing/replays'
import { makePrincipal } from '../../server/services/testing/principal'
import { createReplayExecutor, type ReplayExecutor } from './executor'
import { buildReplayRecord } from './record'

/**
 * The executor against a real Kafka broker: what a replayed record looks like on the wire, exactly
 * one produce per record under concurrency and across a SIGKILL, the rate, pause/resume/abort.
 * Records are read back from the target topic with a consumer (and counted with the end offsets).
 */

const brokers = inject('kafkaBrokers')
const kafka = new KafkaTransport(kafkaTestConfig(brokers), { maxWaitTimeInMs: 100 })
let chHandle: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
let db: Db
let stores: Parameters<typeof makeCtx>[0]
const as = (who: Principal) => makeCtx(stores, who)
let config: Config
const executors: ReplayExecutor[] = []

beforeAll(async () => {
  chHandle = openTestClickHouse('replay-executor')
  ch = chHandle.ch
  await migrateClickHouse(ch)
  db = await freshPgliteDb()
  config = loadConfig({ DATA_DIR: '.', KAFKA_BROKERS: brokers, TELEMETRY_TOPIC: uniqueTopic('lt.telemetry.replay') })
  await kafka.ensureTopics([{ name: config.env.TELEMETRY_TOPIC, partitions: 3 }])
  stores = { db: db.prisma, ch, config }
})
afterAll(async () => {
  await Promise.all(executors.map((e) => e.stop()))
  await kafka.close()
  await db?.close()
  await chHandle?.dispose()
})

function startExecutor(prisma = db.prisma, leaseMs = 15_000, transport: Transport = kafka, pollMs = 100): ReplayExecutor {
  const executor = createReplayExecutor({ ctx: makeCtx({ db: prisma, config, logger }, systemPrincipal('replay-executor')), transport }, { pollMs, leaseMs })
  executors.push(executor)
  executor.start()
  return executor
}

async function stopExecutor(executor: ReplayExecutor) {
  await executor.stop()
  executors.splice(executors.indexOf(executor), 1)
}

async function topicSize(topic: string): Promise<number> {
  return (await kafka.endOffsets(topic)).reduce((sum, p) => sum + Number(p.end), 0)
}

/** Every record of the topic, read back by a consumer group of its own. */
async function consumeAll(topic: string, expected: number): Promise<BusRecord[]> {
  const records: BusRecord[] = []
  const consumer = kafka.consumer({ groupId: uniqueTopic('replay-check'), topics: [topic], fromBeginning: true })
  await consumer.run(async (batch) => {
    records.push(...batch.records)
  })
  try {
    await waitFor(`${expected} records on ${topic}`, () => (records.length >= expected ? true : undefined), { timeoutMs: 30_000, seen: () => records.length })
  } finally {
    await consumer.stop()
  }
  return records
}

const header = (r: BusRecord, name: string) => {
  const v = r.headers[name]
  return (Array.isArray(v) ? v : v ? [v] : []).map((b) => b.toString('utf8'))
}

async function jobStatus(id: string) {
  return db.prisma.replayJob.findUniqueOrThrow({ where: { id } })
}

async function waitForJob(id: string, status: string, prisma = db.prisma, timeoutMs = 60_000) {
  let last: unknown
  return waitFor(
    `job ${id} to be ${status}`,
    async () => {
      const job = await prisma.replayJob.findUniqueOrThrow({ where: { id } })
      last = { status: job.status, succeeded: job.succeeded, failed: job.failed, lastError: job.lastError }
      return job.status === status ? job : undefined
    },
    { timeoutMs, intervalMs: 100, seen: () => last },
  )
}

describe('replay executor on a real broker', () => {
  it('produces exactly what DLQ-REPLAY.md says: key, default partition, business headers, no DLQ headers, provenance, trace context', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const source = uniqueTopic('lt.hub.src')
    await kafka.ensureTopics([{ name: source, partitions: 3 }])
    const dls: DeadLetterBuilt[] = []
    for (const convention of ['spring', 'connect', 'hub'] as const) dls.push(await insertDeadLetter(db.prisma, { plant, convention, sourceTopic: source }))
    dls.push(await insertDeadLetter(db.prisma, { plant, convention: 'spring', sourceTopic: source, key: null }))
    const admin = makePrincipal('admin', 'all')
    const { job } = await createReplayJob(as(admin), { deadLetterIds: dls.map((d) => d.row.id), reason: 'Period 2026/11 opened' })
    const executor = startExecutor()
    try {
      await waitForJob(job.id, 'completed')
    } finally {
      await stopExecutor(executor)
    }
    expect(await topicSize(source)).toBe(4)
    const records = await consumeAll(source, 4)
    const items = await db.prisma.replayItem.findMany({ where: { jobId: job.id } })
    for (const dl of dls) {
      const item = items.find((i) => i.deadLetterId === dl.row.id)!
      const record = records.find((r) => header(r, 'x-replay-id')[0] === item.id)
      expect(record, `the record of ${dl.row.convention} dead letter ${dl.row.id}`).toBeDefined()
      const r = record!
      // Key and value: the original bytes; the partition: where the default partitioner puts the key.
      expect(r.key).toEqual(dl.row.key ? Buffer.from(dl.row.key) : null)
      expect(r.value).toEqual(Buffer.from(dl.row.value!))
      if (dl.row.key) expect(r.partition).toBe(partitionForKey(dl.row.key, 3))
      expect({ partition: item.producedPartition, offset: item.producedOffset?.toString(), status: item.status }).toEqual({ partition: r.partition, offset: r.offset, status: 'produced' })
      // No DLQ context; it is archived with the item instead.
      expect(Object.keys(r.headers).filter(isDlqHeader)).toEqual([])
      expect((item.archivedHeaders as { key: string }[]).map((h) => h.key)).toEqual(dl.dlq.map(([k]) => k))
      // Business headers byte for byte, repeats in order.
      for (const [name, value] of dl.business.filter(([k]) => k !== 'traceparent')) {
        const values = r.headers[name]
        expect((Array.isArray(values) ? values : [values]).some((v) => v!.equals(value)), `header ${name}`).toBe(true)
      }
      expect(header(r, 'x-tag')).toEqual(['first', 'second'])
      // Provenance.
      expect({
        job: header(r, 'x-replay-job-id'),
        count: header(r, 'x-replay-count'),
        by: header(r, 'x-replayed-by'),
        source: header(r, 'x-replay-source'),
        reason: header(r, 'x-replay-reason'),
        edited: header(r, 'x-replay-edited'),
      }).toEqual({
        job: [job.id],
        count: ['1'],
        by: [admin.label],
        source: [`${dl.row.topic}/${dl.row.partition}/${dl.row.offset}`],
        reason: ['Period 2026/11 opened'],
        edited: [],
      })
      expect(Date.parse(header(r, 'x-replayed-at')[0]!)).toBeGreaterThan(Date.now() - 120_000)
      // Trace: the original context kept, the replay a new span of the same trace.
      expect(header(r, 'x-original-traceparent')).toEqual([dl.traceparent])
      const [, traceId, spanId] = header(r, 'traceparent')[0]!.split('-')
      expect(traceId).toBe(dl.traceparent.split('-')[1])
      expect(spanId).not.toBe(dl.traceparent.split('-')[2])
      expect((await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: dl.row.id } })).status).toBe('replayed')
    }
    expect(await jobStatus(job.id)).toMatchObject({ succeeded: 4, failed: 0, skipped: 0, leaseOwner: null })

    // The replay's own hops, on the telemetry topic, in the transaction (same origin time, plant, flow).
    const telemetry = (await consumeAll(config.env.TELEMETRY_TOPIC, 8)).map((r) => JSON.parse(r.value!.toString()) as Record<string, unknown>)
    const mine = telemetry.filter((e) => (e.replay as { replay_id: string }).replay_id === items[0]!.id)
    const dl0 = dls.find((d) => d.row.id === items[0]!.deadLetterId)!
    expect(mine.map((e) => e.event_type).sort()).toEqual(['replay.completed', 'replay.requested'])
    expect(mine[0]).toMatchObject({ hop: 'console', plant, flow: 'production_confirmation', correlation_id: dl0.row.correlationId, origin_time: dl0.row.originTime!.toISOString() })
  })

  it('ten concurrent replay requests for one record produce one record', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const source = uniqueTopic('lt.hub.once')
    await kafka.ensureTopics([{ name: source, partitions: 3 }])
    const dl = await insertDeadLetter(db.prisma, { plant, sourceTopic: source })
    const executor = startExecutor()
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => createReplayJob(as(makePrincipal('operator', [plant])), { deadLetterIds: [dl.row.id], reason: 'Everyone clicked at once' })),
      )
      const created = results.filter((r) => r.status === 'fulfilled')
      expect(created).toHaveLength(1)
      await waitForJob(created[0]!.value.job.id, 'completed')
    } finally {
      await stopExecutor(executor)
    }
    expect(await topicSize(source)).toBe(1)
    expect((await consumeAll(source, 1)).map((r) => r.key?.toString())).toEqual([dl.row.correlationId])
  })

  it('a send in flight when a worker died is found in the topic, not produced again', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const source = uniqueTopic('lt.hub.recover')
    await kafka.ensureTopics([{ name: source, partitions: 3 }])
    const reached = await insertDeadLetter(db.prisma, { plant, sourceTopic: source })
    const lost = await insertDeadLetter(db.prisma, { plant, sourceTopic: source })
    const { job } = await createReplayJob(as(makePrincipal('admin', 'all')), { deadLetterIds: [reached.row.id, lost.row.id], reason: 'Crash test' })
    // A worker that marked both attempts, sent one record, and died before recording anything.
    const probeFrom = Object.fromEntries((await kafka.endOffsets(source)).map((p) => [String(p.partition), p.end]))
    const items = await db.prisma.replayItem.findMany({ where: { jobId: job.id }, include: { deadLetter: true } })
    await db.prisma.replayItem.updateMany({ where: { jobId: job.id }, data: { attemptedAt: new Date(), probeFrom } })
    await db.prisma.replayJob.update({ where: { id: job.id }, data: { status: 'running', startedAt: new Date(), leaseOwner: 'dead-worker', leaseUntil: new Date(Date.now() - 1) } })
    const sentItem = items.find((i) => i.deadLetterId === reached.row.id)!
    const built = buildReplayRecord({ itemId: sentItem.id, jobId: job.id, replayedBy: 'x', reason: 'Crash test', editedValue: null, count: 1, at: new Date(), source: sentItem.deadLetter })
    const [sent] = await (await kafka.producer()).send(source, [built.record])

    const executor = startExecutor()
    try {
      await waitForJob(job.id, 'completed')
    } finally {
      await stopExecutor(executor)
    }
    expect(await topicSize(source)).toBe(2)
    const after = await db.prisma.replayItem.findUniqueOrThrow({ where: { id: sentItem.id } })
    expect({ partition: after.producedPartition, offset: after.producedOffset?.toString() }).toEqual({ partition: sent!.partition, offset: sent!.offset })
    const ids = (await consumeAll(source, 2)).map((r) => header(r, 'x-replay-id')[0]).sort()
    expect(ids).toEqual(items.map((i) => i.id).sort())
  })

  it('1,000 records at 100/s take about 10 s, with progress reported on the way', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const source = uniqueTopic('lt.hub.rate')
    await kafka.ensureTopics([{ name: source, partitions: 6 }])
    for (let i = 0; i < 1000; i++) await insertDeadLetter(db.prisma, { plant, sourceTopic: source })
    const { job } = await createReplayJob(as(makePrincipal('operator', [plant])), { filter: { plant }, reason: 'Bulk replay', ratePerSecond: 100 })
    expect(job.total).toBe(1000)
    const seen: number[] = []
    const executor = startExecutor()
    const started = Date.now()
    try {
      await waitFor('the job to complete', async () => {
        const j = await jobStatus(job.id)
        seen.push(j.succeeded)
        return j.status === 'completed' ? j : undefined
      }, { timeoutMs: 60_000, intervalMs: 250, seen: () => seen.at(-1) })
    } finally {
      await stopExecutor(executor)
    }
    const elapsed = (Date.now() - started) / 1000
    expect(elapsed, `1,000 records at 100/s took ${elapsed} s`).toBeGreaterThan(8)
    expect(elapsed).toBeLessThan(30)
    const between = [...new Set(seen.filter((n) => n > 0 && n < 1000))]
    expect(between.length, `progress seen: ${between.join(', ')}`).toBeGreaterThanOrEqual(5)
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
    expect(await topicSize(source)).toBe(1000)
  }, 120_000)

  it('pause holds within a second, resume continues, abort gives the rest back to triage', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const source = uniqueTopic('lt.hub.pause')
    await kafka.ensureTopics([{ name: source, partitions: 3 }])
    for (let i = 0; i < 200; i++) await insertDeadLetter(db.prisma, { plant, sourceTopic: source, status: 'triaged' })
    const operator = makePrincipal('operator', [plant])
    const { job } = await createReplayJob(as(operator), { filter: { plant }, reason: 'Pause test', ratePerSecond: 40 })
    const executor = startExecutor()
    try {
      await waitFor('some progress', async () => ((await jobStatus(job.id)).succeeded >= 20 ? true : undefined), { timeoutMs: 30_000 })
      await controlReplayJob(as(operator), { id: job.id, action: 'pause' })
      await new Promise((r) => setTimeout(r, 1_000))
      const held = (await jobStatus(job.id)).succeeded
      await new Promise((r) => setTimeout(r, 1_500))
      expect((await jobStatus(job.id)).succeeded, 'no records produced 1 s after the pause').toBe(held)
      expect(await topicSize(source)).toBe(held)

      await controlReplayJob(as(operator), { id: job.id, action: 'resume' })
      await waitFor('progress after resume', async () => ((await jobStatus(job.id)).succeeded > held + 10 ? true : undefined), { timeoutMs: 30_000 })
      await controlReplayJob(as(operator), { id: job.id, action: 'abort', reason: 'Stop: wrong records' })
      await new Promise((r) => setTimeout(r, 1_500))
    } finally {
      await stopExecutor(executor)
    }
    const done = await jobStatus(job.id)
    expect(done.status).toBe('aborted')
    expect(done.succeeded + done.skipped).toBe(200)
    expect(await topicSize(source)).toBe(done.succeeded)
    const statuses = await db.prisma.deadLetter.groupBy({ by: ['status'], where: { plantCode: plant }, _count: { _all: true } })
    expect(Object.fromEntries(statuses.map((s) => [s.status, s._count._all]))).toEqual({ replayed: done.succeeded, triaged: done.skipped })
  })

  it('a job queued or resumed by the console of its process starts at once, not at the next poll', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const source = uniqueTopic('lt.hub.signal')
    await kafka.ensureTopics([{ name: source, partitions: 1 }])
    for (let i = 0; i < 60; i++) await insertDeadLetter(db.prisma, { plant, sourceTopic: source, status: 'triaged' })
    const operator = makePrincipal('operator', [plant])
    // Polls every 10 minutes: only the signal can make it start within the test's waits.
    const executor = startExecutor(db.prisma, 15_000, kafka, 600_000)
    try {
      await new Promise((r) => setTimeout(r, 500))
      const { job } = await createReplayJob(as(operator), { filter: { plant }, reason: 'Signal test', ratePerSecond: 20 })
      await waitFor('progress after queueing', async () => ((await jobStatus(job.id)).succeeded >= 5 ? true : undefined), { timeoutMs: 10_000 })
      await controlReplayJob(as(operator), { id: job.id, action: 'pause' })
      await new Promise((r) => setTimeout(r, 1_500))
      expect(executor.status().jobId, 'the paused job is let go').toBeNull()
      await controlReplayJob(as(operator), { id: job.id, action: 'resume' })
      expect((await waitForJob(job.id, 'completed', db.prisma, 10_000)).succeeded).toBe(60)
    } finally {
      await stopExecutor(executor)
    }
  })

  it('sends that fail after reaching the log, while the next batch is already attempted, still produce every record once', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const source = uniqueTopic('lt.hub.flaky')
    await kafka.ensureTopics([{ name: source, partitions: 3 }])
    for (let i = 0; i < 300; i++) await insertDeadLetter(db.prisma, { plant, sourceTopic: source })
    const { job } = await createReplayJob(as(makePrincipal('operator', [plant])), { filter: { plant }, reason: 'Flaky broker', ratePerSecond: 100 })
    // The 2nd and 4th sends to the target write their records, then report a lost connection.
    let sends = 0
    const flaky = Object.assign(Object.create(kafka) as KafkaTransport, {
      async producer(): Promise<BusProducer> {
        const real = await kafka.producer()
        return {
          async send(topic, records) {
            const placed = await real.send(topic, records)
            if (topic === source && [2, 4].includes(++sends)) throw new Error('connection lost after the write')
            return placed
          },
        }
      },
    })
    const executor = startExecutor(db.prisma, 15_000, flaky)
    try {
      await waitForJob(job.id, 'completed', db.prisma, 90_000)
    } finally {
      await stopExecutor(executor)
    }
    expect(sends).toBeGreaterThanOrEqual(4)
    expect(await jobStatus(job.id)).toMatchObject({ succeeded: 300, failed: 0 })
    expect(await topicSize(source)).toBe(300)
    const ids = (await consumeAll(source, 300)).map((r) => header(r, 'x-replay-id')[0])
    expect(new Set(ids).size).toBe(300)
  }, 120_000)

  it('a missing target topic fails the item with what to do, and the dead letter goes back to triage', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const dl = await insertDeadLetter(db.prisma, { plant, sourceTopic: uniqueTopic('lt.hub.missing') })
    const { job } = await createReplayJob(as(makePrincipal('operator', [plant])), { deadLetterIds: [dl.row.id], reason: 'Missing topic' })
    const executor = startExecutor()
    try {
      await waitForJob(job.id, 'completed')
    } finally {
      await stopExecutor(executor)
    }
    expect(await jobStatus(job.id)).toMatchObject({ succeeded: 0, failed: 1 })
    expect(await db.prisma.replayItem.findFirstOrThrow({ where: { jobId: job.id } })).toMatchObject({ status: 'failed', error: expect.stringMatching(/does not exist: create it/) })
    expect((await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: dl.row.id } })).status).toBe('new')
  })
})

describe('replay executor killed with SIGKILL and restarted', () => {
  const children: ChildProcess[] = []
  afterAll(() => children.forEach((c) => c.kill('SIGKILL')))

  function startChild(url: string) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'ingest/replay/testing/executor-child.ts', url, brokers, config.env.TELEMETRY_TOPIC, '2000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'error' },
    })
    children.push(child)
    return child
  }

  it('finishes the job after the restart with every record produced exactly once', async () => {
    const database = await freshPostgresDatabase()
    const pg = await createDb({ databaseUrl: database.url, dataDir: '.' })
    try {
      await pg.migrate()
      const plant = await insertUniquePlant(pg.prisma)
      const source = uniqueTopic('lt.hub.kill')
      await kafka.ensureTopics([{ name: source, partitions: 3 }])
      for (let i = 0; i < 400; i++) await insertDeadLetter(pg.prisma, { plant, sourceTopic: source })
      const { job } = await createReplayJob(makeCtx({ ...stores, db: pg.prisma }, makePrincipal('operator', [plant])), { filter: { plant }, reason: 'Kill test', ratePerSecond: 100 })

      const first = startChild(database.url)
      const progress = () => pg.prisma.replayJob.findUniqueOrThrow({ where: { id: job.id } })
      await waitFor('the first worker to produce part of the job', async () => ((await progress()).succeeded >= 100 ? true : undefined), { timeoutMs: 60_000, intervalMs: 20 })
      first.kill('SIGKILL')
      await new Promise((r) => first.once('exit', r))
      const killedAt = (await progress()).succeeded
      expect(killedAt).toBeLessThan(400)

      const second = startChild(database.url)
      await waitForJob(job.id, 'completed', pg.prisma, 90_000)
      second.kill('SIGTERM')
      expect(await new Promise((r) => second.once('exit', r))).toBe(0)

      expect(await progress()).toMatchObject({ succeeded: 400, failed: 0 })
      expect(await topicSize(source)).toBe(400)
      const ids = (await consumeAll(source, 400)).map((r) => header(r, 'x-replay-id')[0])
      expect(new Set(ids).size).toBe(400)
    } finally {
      await pg.close()
      await database.drop()
    }
  }, 240_000)
})
