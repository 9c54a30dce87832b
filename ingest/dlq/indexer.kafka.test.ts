import { Kafka, logLevel, type Producer } from 'kafkajs'
import { systemPrincipal } from '../../server/context/ctx'
import { makeCtx } from '../../server/services/testing/ctx'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { KafkaTransport } from '../../server/bus/kafka'
import { uniqueTopic, waitFor } from '../../server/bus/testing'
import { loadConfig } from '../../server/config'
import type { Db } from '../../server/db/client'
import { freshPgliteDb } from '../../server/db/testing'
import { logger } from '../../server/logger'
import { listRecords } from '../../server/services/dead-letters/queries'
import { insertUniquePlant } from '../../server/services/testing/replays'
import { makePrincipal } from '../../server/services/testing/principal'
import { createDlqIndexer, type DlqIndexer } from './indexer'

/**
 * The DLQ indexer against the real Kafka broker (global setup, `npm run kafka`): an independent
 * kafkajs producer writes dead letters with Spring's binary headers and Connect's text headers,
 * exactly as those frameworks encode them; the indexer stores them decoded, once, and picks up a
 * DLQ topic created after it started.
 */
const brokers = inject('kafkaBrokers')
const kafka = new Kafka({ brokers: brokers.split(','), clientId: 'dlq-test-producer', logLevel: logLevel.NOTHING })
let producer: Producer
let db: Db
let plant: string
const prefix = uniqueTopic('dlqidx')
const springTopic = `${prefix}.hub.in-dlt`
const connectTopic = `${prefix}.connect.erp-sink.dlq`
const lateTopic = `${prefix}.late.DLT`
const telemetryTopic = `${prefix}.telemetry`
const running: { indexer: DlqIndexer; transport: KafkaTransport }[] = []

const int32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}
const int64 = (n: bigint) => {
  const b = Buffer.alloc(8)
  b.writeBigInt64BE(n)
  return b
}

async function createTopics(...topics: string[]) {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: String(7 * 86_400_000) }] })), waitForLeaders: true })
  await admin.disconnect()
}

async function startIndexer(groupId = uniqueTopic('grp')) {
  const config = loadConfig({ DATA_DIR: '/tmp', KAFKA_BROKERS: brokers, KAFKA_GROUP_ID: groupId, TELEMETRY_TOPIC: telemetryTopic, DLQ_TOPICS: `/^${prefix}\\..*(-dlt|\\.dlq|\\.DLT)$/` })
  const transport = new KafkaTransport(config.kafka, { topicRefreshMs: 2_000 })
  const indexer = createDlqIndexer({ ctx: makeCtx({ db: db.prisma, config, logger }, systemPrincipal('dlq-indexer')), transport })
  await indexer.start()
  running.push({ indexer, transport })
  return indexer
}

function body(correlationId: string) {
  return JSON.stringify({ message_type: 'ProductionConfirmation', correlation_id: correlationId, idempotency_key: `idem-${correlationId}`, plant, flow: 'production_confirmation', origin_time: '2026-11-30T10:00:00.000Z', work_order: '155000072353', lot: 'LOT1', material: 'FG1001' })
}

beforeAll(async () => {
  db = await freshPgliteDb()
  plant = await insertUniquePlant(db.prisma)
  producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  await createTopics(springTopic, connectTopic, telemetryTopic)
})

afterAll(async () => {
  for (const r of running) await r.indexer.stop().then(() => r.transport.close())
  await producer.disconnect()
  await db.close()
})

describe('DLQ indexer on a real broker', () => {
  it('stores Spring- and Connect-headered dead letters decoded, once, and picks up a topic created later', async () => {
    await producer.send({
      topic: springTopic,
      acks: -1,
      messages: [
        {
          key: 'cid-spring',
          value: body('cid-spring'),
          partition: 1,
          headers: {
            correlation_id: 'cid-spring',
            'kafka_dlt-original-topic': `${prefix}.hub.in`,
            'kafka_dlt-original-partition': int32(1),
            'kafka_dlt-original-offset': int64(5_000_000_000n),
            'kafka_dlt-original-timestamp': int64(1_764_496_800_000n),
            'kafka_dlt-original-consumer-group': 'erp-posting',
            'kafka_dlt-exception-fqcn': 'org.springframework.kafka.listener.ListenerExecutionFailedException',
            'kafka_dlt-exception-cause-fqcn': 'com.sap.conn.jco.AbapException',
            'kafka_dlt-exception-message': 'Listener failed; nested exception is com.sap.conn.jco.AbapException: (126) ERROR: M7/053 Posting only possible in periods 2026/11 and 2026/10 in company code 1000',
            'kafka_dlt-exception-stacktrace': 'com.sap.conn.jco.AbapException: M7/053\n\tat Hub.post(Hub.java:42)',
          },
        },
      ],
    })
    await producer.send({
      topic: connectTopic,
      acks: -1,
      messages: [
        {
          key: 'cid-connect',
          value: body('cid-connect'),
          headers: {
            '__connect.errors.topic': `${prefix}.hub.in`,
            '__connect.errors.partition': '0',
            '__connect.errors.offset': '42',
            '__connect.errors.connector.name': 'erp-sink',
            '__connect.errors.task.id': '0',
            '__connect.errors.stage': 'TASK_PUT',
            '__connect.errors.exception.class.name': 'org.apache.kafka.connect.errors.ConnectException',
            '__connect.errors.exception.message': 'M7/053 Posting only possible in periods 2026/11 and 2026/10 in company code 1000',
          },
        },
      ],
    })
    const indexer = await startIndexer()
    const admin = makePrincipal('admin', 'all')
    const list = () => listRecords({ db: db.prisma, principal: admin }, { filter: { plant } })
    const both = await waitFor('both dead letters indexed', async () => ((await list()).total >= 2 ? (await list()).items : undefined), { timeoutMs: 60_000, intervalMs: 250, seen: () => indexer.status() })

    const spring = both.find((i) => i.correlationId === 'cid-spring')!
    expect(spring).toMatchObject({
      convention: 'spring',
      topic: springTopic,
      partition: 1,
      sourceTopic: `${prefix}.hub.in`,
      sourcePartition: 1,
      sourceOffset: '5000000000',
      consumerGroup: 'erp-posting',
      errorClass: 'com.sap.conn.jco.AbapException',
      errorCode: 'M7/053',
      errorCategory: 'permanent',
      plant,
      flow: 'production_confirmation',
      status: 'new',
      businessKeys: { work_order: '155000072353', lot: 'LOT1', material: 'FG1001' },
    })
    expect(spring.errorMessage).toBe('(126) ERROR: M7/053 Posting only possible in periods 2026/11 and 2026/10 in company code 1000')
    // The topic keeps records 7 days: the row knows when the record disappears from it.
    expect(spring.expiresAt!.getTime() - spring.deadLetteredAt.getTime()).toBe(7 * 86_400_000)

    const connect = both.find((i) => i.correlationId === 'cid-connect')!
    expect(connect).toMatchObject({ convention: 'connect', sourceTopic: `${prefix}.hub.in`, sourcePartition: 0, sourceOffset: '42', consumerGroup: 'connect-erp-sink', errorClass: 'org.apache.kafka.connect.errors.ConnectException', errorCode: 'M7/053' })

    // The dead_lettered hops reached the telemetry topic, for the traces.
    const transport = running[0]!.transport
    const hops = await waitFor('dead_lettered hops produced', async () => {
      const ends = await transport.endOffsets(telemetryTopic)
      const records = (await Promise.all(ends.map((e) => transport.readPartition(telemetryTopic, e.partition, '0', e.end)))).flat()
      return records.length >= 2 ? records.map((r) => JSON.parse(r.value!.toString()) as { status: string; hop: string; correlation_id: string }) : undefined
    })
    expect(hops.map((h) => [h.correlation_id, h.hop, h.status]).sort()).toEqual([
      ['cid-connect', 'dlq', 'dead_lettered'],
      ['cid-spring', 'dlq', 'dead_lettered'],
    ])

    // A DLQ topic created after the start is picked up (pattern subscription).
    await createTopics(lateTopic)
    await producer.send({ topic: lateTopic, acks: -1, messages: [{ key: 'cid-late', value: body('cid-late'), headers: { 'dead-letter-reason': 'boom', 'dead-letter-topic': 'x', 'dead-letter-partition': '0', 'dead-letter-offset': '7' } }] })
    const late = await waitFor('the late topic indexed', async () => (await list()).items.find((i) => i.topic === lateTopic), { timeoutMs: 60_000, intervalMs: 250 })
    expect(late).toMatchObject({ convention: 'smallrye', sourceOffset: '7', errorMessage: 'boom' })

    // Re-indexing everything from the beginning (a new consumer group) stores nothing twice.
    const again = await startIndexer()
    await waitFor('the second indexer read every DLQ record', () => (again.status().seen >= 3 ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 })
    expect(await db.prisma.deadLetter.count({ where: { plantCode: plant } })).toBe(3)
    expect(again.status().indexed).toBe(0)
  })
})
