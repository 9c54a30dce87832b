import { randomBytes } from 'node:crypto'
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { KafkaTransport } from '../../server/bus/kafka'
import { kafkaTestConfig, uniqueTopic, waitFor } from '../../server/bus/testing'
import type { ClickHouse } from '../../server/clickhouse/client'
import { chCommand, chQuery } from '../../server/clickhouse/exec'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { openTestClickHouse } from '../../server/clickhouse/testing'
import { loadConfig, type Config } from '../../server/config'
import type { Db } from '../../server/db/client'
import { freshPgliteDb } from '../../server/db/testing'
import { tapDefinitionSchema, type TapDefinitionInput } from '../../server/domain/taps'
import { logger } from '../../server/logger'
import type { OutgoingRecord } from '../../server/bus/port'
import { DLQ_HEADERS } from '../telemetry/dlq'
import { startTapRunner, type TapRunner } from './runner'
import { ack, confirmation, plantTaps, plantTopics, posting, txn } from './testing'

/**
 * Taps against a real broker: the plant's topics are created, written and consumed by independent
 * kafkajs clients (its MES, hub and ERP, and the plant's own ERP-sink consumer group), as in a
 * plant that knows nothing of Linetrace. Real chDB and PGlite.
 */

const brokers = inject('kafkaBrokers')
const kafka = new Kafka({ brokers: brokers.split(','), clientId: 'plant-systems', logLevel: logLevel.NOTHING })
let admin: Admin
let producer: Producer
let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
let db: Db
let config: Config
const prefix = `k${randomBytes(3).toString('hex')}`
const plant = `K${randomBytes(3).toString('hex')}`
const topics = plantTopics(prefix)
const plantGroup = uniqueTopic('plant-erp-sink')
let plantConsumer: Consumer
const N = 50

beforeAll(async () => {
  admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 3 })), waitForLeaders: true })
  producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  engine = openTestClickHouse('taps-kafka')
  ch = engine.ch
  await migrateClickHouse(ch)
  // Raw row counts are the point of the restart test: merges would hide a duplicate.
  await chCommand(ch, { name: 'test.stopMerges', sql: `SYSTEM STOP MERGES ${ch.database}.hop_events` })
  db = await freshPgliteDb()
  config = loadConfig({ KAFKA_BROKERS: brokers, TELEMETRY_DLQ_TOPIC: uniqueTopic('tap-dlq'), INGEST_FLUSH_MS: '50' })
  // The plant's own consumer: reads and commits the topics before any tap exists.
  plantConsumer = kafka.consumer({ groupId: plantGroup })
  await plantConsumer.connect()
  await plantConsumer.subscribe({ topics: Object.values(topics), fromBeginning: true })
  await plantConsumer.run({ eachMessage: async () => undefined })
})
afterAll(async () => {
  await plantConsumer?.disconnect()
  await producer?.disconnect()
  await admin?.disconnect()
  await db?.close()
  await engine?.dispose()
})

function transport() {
  return new KafkaTransport(kafkaTestConfig(brokers), { maxWaitTimeInMs: 100, topicRefreshMs: 500, heartbeatInterval: 500, retryBackoff: { initialMs: 50, maxMs: 500 } })
}

async function runner(bus: KafkaTransport): Promise<TapRunner> {
  return startTapRunner({ config, clickhouse: ch, prisma: db.prisma, transport: bus, logger, pollMs: 60_000, lagRefreshMs: 100 })
}

async function saveTap(definition: TapDefinitionInput) {
  const parsed = tapDefinitionSchema.parse(definition)
  await db.prisma.tap.create({ data: { name: parsed.name, definition: parsed, enabled: true, createdBy: 'test', updatedBy: 'test' } })
}

async function send(topic: string, records: OutgoingRecord[]) {
  await producer.send({
    topic,
    acks: -1,
    messages: records.map((r) => ({ key: r.key as string, value: r.value as string, timestamp: r.timestamp === undefined ? undefined : String(r.timestamp) })),
  })
}

interface Hop {
  correlation_id: string
  event_id: string
  hop: string
  event_type: string
  status: string
  error_category: string | null
  error_code: string | null
  error_text: string | null
  work_order: string | null
  erp_document: string | null
  origin_time: string
  occurred_at: string
}

async function hops(): Promise<Hop[]> {
  const { rows } = await chQuery<Hop>(ch, {
    name: 'test.tappedHops',
    sql: `SELECT correlation_id, event_id, hop, event_type, status, error_category, error_code, error_text, work_order, erp_document,
                 toString(origin_time) AS origin_time, toString(occurred_at) AS occurred_at
          FROM ${ch.database}.hop_events WHERE plant = {p:String} ORDER BY correlation_id, occurred_at`,
    params: { p: plant },
  })
  return rows
}

async function plantOffsets() {
  const offsets = await admin.fetchOffsets({ groupId: plantGroup, topics: Object.values(topics) })
  return offsets.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => `${p.partition}:${p.offset}`).sort() }))
}

const sinceStart = Date.now() - 30 * 60_000
/** Transaction i's confirmation at +i s, its posting 1 s later, the ERP's answer 2 s after that. */
const at = (i: number, step: number) => sinceStart + i * 1_000 + step * 1_000

describe('topic taps on Kafka', () => {
  it('reconstruct transactions from three business topics, dead-letter malformed records, survive a restart, and leave the plant’s own group alone', async () => {
    for (const tap of plantTaps(prefix, plant, topics)) await saveTap(tap)
    const bus = transport()
    let taps = await runner(bus)
    expect(taps.status().map((s) => [s.name, s.state])).toEqual(plantTaps(prefix, plant).map((t) => [t.name, 'running']))

    // Business happens in order, seconds apart: confirmations, then the hub's postings, then the ERP.
    const first = Array.from({ length: N / 2 }, (_, i) => i)
    await send(topics.mes, first.map((i) => confirmation(prefix, i, at(i, 0))))
    await waitFor('the confirmations', async () => ((await hops()).length === N / 2 ? true : undefined))
    await send(topics.hub, first.map((i) => posting(prefix, i, at(i, 1))))
    await waitFor('the postings', async () => ((await hops()).length === N ? true : undefined))
    // Two malformed acknowledgements among the real ones.
    await send(topics.erp, [...first.map((i) => ack(prefix, i, at(i, 2))), { key: 'x', value: 'not json at all' }, { key: 'y', value: '{"STATUS":"53"}' }])
    await waitFor('the acknowledgements', async () => ((await hops()).length === N + N / 2 ? true : undefined))

    // Restart: the runner stops, the plant goes on, a new runner picks up where the groups committed.
    // Rows are visible as soon as their insert lands; the commit follows once the whole delivery is
    // durable (hop_payloads, the DLQ). A stop in between would leave that delivery to the next
    // runner, whose inserts ClickHouse drops as retries but whose malformed records go to the DLQ a
    // second time (at-least-once, pipeline.ts): the restart meant here comes after the commits.
    expect(await taps.drain(30_000), 'the taps committed everything they read').toBe(0)
    await taps.stop()
    await bus.close()
    const rest = Array.from({ length: N / 2 }, (_, i) => N / 2 + i)
    await send(topics.mes, rest.map((i) => confirmation(prefix, i, at(i, 0))))
    const bus2 = transport()
    taps = await runner(bus2)
    // Up to a session timeout (30 s): a group member that could not leave on stop (a loaded machine)
    // holds its partitions until the broker evicts it. Named on failure: the hops seen and the taps.
    let seenHops = 0
    await waitFor('the later confirmations', async () => ((seenHops = (await hops()).length) === N + N / 2 + N / 2 ? true : undefined), {
      timeoutMs: 60_000,
      seen: () => ({ hops: seenHops, taps: taps.status() }),
    })
    await send(topics.hub, rest.map((i) => posting(prefix, i, at(i, 1))))
    await waitFor('the later postings', async () => ((await hops()).length === 2 * N + N / 2 ? true : undefined))
    await send(topics.erp, rest.map((i) => ack(prefix, i, at(i, 2))))
    const all = await waitFor('every hop', async () => {
      const rows = await hops()
      return rows.length >= 3 * N ? rows : undefined
    })

    expect(all, 'each record once: no loss, no duplicate after the restart').toHaveLength(3 * N)
    expect(new Set(all.map((h) => h.event_id)).size).toBe(3 * N)
    for (let i = 0; i < N; i++) {
      const t = txn(prefix, i)
      const own = all.filter((h) => h.correlation_id === t.id)
      expect(own.map((h) => h.hop), t.id).toEqual(['mes', 'hub', 'erp'])
      expect(new Set(own.map((h) => h.origin_time)).size, `${t.id}: one origin for the transaction`).toBe(1)
      expect(own.slice(0, 2).map((h) => h.work_order)).toEqual([t.order, t.order])
      expect(own.slice(0, 2).map((h) => [h.event_type, h.status])).toEqual([
        ['production.operation_confirmed', 'ok'],
        ['erp.posting_requested', 'ok'],
      ])
      expect(own[2], t.id).toMatchObject(
        t.rejected
          ? { event_type: 'erp.posting_failed', status: 'error', error_category: 'permanent', error_code: 'M7/021', error_text: `Deficit of material A-706 12 PC (order ${t.order})` }
          : { event_type: 'erp.posting_succeeded', status: 'ok', erp_document: String(4900000000 + i) },
      )
    }

    // The malformed records went to the DLQ with the reason and the tap, and the tap kept running.
    const dlq = await readAll(config.env.TELEMETRY_DLQ_TOPIC, 2)
    expect(dlq.map((r) => r.reason).sort()).toEqual(['tap_missing', 'tap_not_json'])
    expect(dlq.find((r) => r.reason === 'tap_missing')!.errors).toEqual([
      { path: '', message: `tap ${prefix}-erp: correlation_id: REF gave nothing for this record` },
      { path: 'correlation_id', message: 'expression REF' },
    ])
    await taps.refresh()
    expect(taps.status().find((s) => s.name === `${prefix}-erp`)).toMatchObject({ state: 'running', failed: 0 })
    expect(await db.prisma.tapStatus.findUnique({ where: { name: `${prefix}-erp` } })).toMatchObject({ state: 'running', failed: 2n, mapped: BigInt(N) })

    // The plant's group: its committed offsets are its own (it read everything; nothing else moved them).
    await waitFor('the plant consumer caught up', async () =>
      (await plantOffsets()).every((t) => t.partitions.reduce((n, p) => n + Number(p.split(':')[1]), 0) > 0) ? true : undefined,
    )
    await plantConsumer.pause(Object.values(topics).map((topic) => ({ topic })))
    const paused = await plantOffsets()
    await send(topics.mes, [confirmation(prefix, 999, Date.now())])
    await waitFor('the tap read the record', async () => ((await hops()).length === 3 * N + 1 ? true : undefined))
    expect(await plantOffsets(), 'a tap reading never moves the plant group').toEqual(paused)
    plantConsumer.resume(Object.values(topics).map((topic) => ({ topic })))
    expect(await bus2.listTopics()).toEqual(expect.arrayContaining(Object.values(topics)))

    await taps.stop()
    await bus2.close()
  }, 120_000)

  it('a tap past its failure bound pauses, saying why', async () => {
    const topic = uniqueTopic(`${prefix}.noise`)
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
    const [mes] = plantTaps(`${prefix}n`, plant, { ...topics, mes: topic })
    await saveTap({ ...mes!, maxErrorRate: 0.1 })
    await send(topic, Array.from({ length: 150 }, (_, i) => ({ key: String(i), value: JSON.stringify({ order: { AUFNR: String(i) } }) })))
    const bus = transport()
    const taps = await runner(bus)
    try {
      const status = await waitFor('the pause', () => db.prisma.tapStatus.findUnique({ where: { name: mes!.name } }).then((s) => (s?.pausedReason ? s : undefined)))
      expect(status.pausedReason).toMatch(/^1\d\d of the last 1\d\d records failed to map \(more than 10%\)/)
      await taps.refresh()
      expect(taps.status().find((s) => s.name === mes!.name)).toMatchObject({ state: 'paused' })
    } finally {
      await taps.stop()
      await bus.close()
    }
  })
})

async function readAll(topic: string, count: number) {
  const consumer = kafka.consumer({ groupId: uniqueTopic('dlq-check') })
  const got: { reason: string; errors: unknown }[] = []
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ message }) => {
      got.push({ reason: message.headers![DLQ_HEADERS.reason]!.toString(), errors: JSON.parse(message.headers![DLQ_HEADERS.errors]!.toString()) })
    },
  })
  try {
    return await waitFor(`${count} dead letters`, () => (got.length >= count ? got : undefined))
  } finally {
    await consumer.disconnect()
  }
}
