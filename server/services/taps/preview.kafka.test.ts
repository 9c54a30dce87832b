import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { closeTransport } from '../../bus'
import { uniqueTopic } from '../../bus/testing'
import { loadConfig, type Config } from '../../config'
import type { Db } from '../../db/client'
import { freshPgliteDb } from '../../db/testing'
import { makeCtx } from '../testing/ctx'
import { makePrincipal } from '../testing/principal'
import { previewTap } from './preview'

/**
 * The preview on the real broker, with an independent kafkajs producer and consumer group as a
 * plant's own: the newest records come back mapped, and no group's offsets move — not the plant's,
 * not the tap's (it has none until it is enabled), and no probe group is left behind.
 */

const brokers = inject('kafkaBrokers')
const kafka = new Kafka({ brokers: brokers.split(','), clientId: 'plant-mes', logLevel: logLevel.NOTHING })
const admin = kafka.admin()
let db: Db
let config: Config

beforeAll(async () => {
  db = await freshPgliteDb()
  config = loadConfig({ KAFKA_BROKERS: brokers })
  await admin.connect()
})
afterAll(async () => {
  await closeTransport()
  await admin.disconnect()
  await db?.close()
})

it('maps the newest records on Kafka and leaves every consumer group as it was', async () => {
  const topic = uniqueTopic('plant-mes-conf')
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })
  const producer = kafka.producer()
  await producer.connect()
  const t0 = Date.now() - 60_000
  await producer.send({
    topic,
    messages: Array.from({ length: 12 }, (_, i) => ({ key: `CONF-${i}`, value: JSON.stringify({ MES_CONF_ID: `CONF-${i}`, WORK_ORDER: `WO-${i}`, PLANT: '3000' }), partition: i % 3, timestamp: String(t0 + i) })),
  })
  await producer.disconnect()

  // The plant's own reader has consumed and committed part of the topic.
  const plantGroup = uniqueTopic('plant-erp-reader')
  await admin.setOffsets({ groupId: plantGroup, topic, partitions: [0, 1, 2].map((partition) => ({ partition, offset: '2' })) })
  const offsets = async (groupId: string) => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => `${p.partition}:${p.offset}`).sort()
  const before = await offsets(plantGroup)
  const groupsBefore = (await admin.listGroups()).groups.map((g) => g.groupId)

  const preview = await previewTap(makeCtx({ db: db.prisma, config }, makePrincipal('admin')), {
    limit: 4,
    definition: {
      name: 'kafka-preview',
      topic,
      mapping: {
        correlation_id: '$.MES_CONF_ID',
        event_type: { value: 'production.operation_confirmed' },
        flow: { value: 'production_confirmation' },
        hop: { value: 'mes' },
        plant: '$.PLANT',
        business: { work_order: '$.WORK_ORDER' },
      },
    },
  })
  expect(preview.rows.map((r) => r.record.key)).toEqual(['CONF-11', 'CONF-10', 'CONF-9', 'CONF-8'])
  expect(preview.rows.map((r) => r.mapping.ok && (r.mapping.event.business as { work_order: string }).work_order)).toEqual(['WO-11', 'WO-10', 'WO-9', 'WO-8'])

  expect(await offsets(plantGroup)).toEqual(before)
  expect(await offsets('linetrace-tap-kafka-preview')).toEqual(['0:-1', '1:-1', '2:-1'])
  const probes = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => !groupsBefore.includes(g) && g.startsWith('linetrace-probe-'))
  expect(probes, 'probe groups the preview left behind').toEqual([])
})
