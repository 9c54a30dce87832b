import { randomBytes } from 'node:crypto'
import { Partitioners } from 'kafkajs'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { KafkaTransport } from './kafka'
import { murmur2, partitionForKey } from './placement'
import { javaPlacement, javaProducerAvailable } from './testing/java-producer'
import { kafkaTestConfig, uniqueTopic, waitFor } from './testing'

/** The local bus must place a key where Kafka does, so that switching transports keeps per-key order. */

function sampleKeys(): Buffer[] {
  const keys = ['', 'a', 'ab', 'abc', 'abcd', 'order-4711', 'mat:A706|plant:1110|sloc:1001', 'Grüße-äöü-€', '工单-2000-17'].map((k) => Buffer.from(k))
  for (let i = 0; i < 150; i++) keys.push(randomBytes(i % 41))
  for (let i = 0; i < 50; i++) keys.push(Buffer.from(`01J${randomBytes(12).toString('hex').toUpperCase()}`)) // UUID-ish correlation ids
  return keys
}

describe('local partitioner', () => {
  it("computes Kafka's murmur2 (the Java client's test vectors)", () => {
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
      ['', 275646681],
    ]
    for (const [key, hash] of vectors) expect(murmur2(Buffer.from(key)), key).toBe(hash)
  })

  it("agrees with kafkajs' DefaultPartitioner for every partition count", () => {
    const partitioner = Partitioners.DefaultPartitioner()
    for (const count of [1, 2, 3, 6, 7, 12, 64]) {
      const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }))
      for (const key of sampleKeys()) {
        expect(partitionForKey(key, count), `${key.toString('hex')} of ${count}`).toBe(partitioner({ topic: 't', partitionMetadata, message: { key, value: null } }))
      }
    }
  })
})

describe('local partitioner against a real broker', () => {
  const kafka = new KafkaTransport(kafkaTestConfig(inject('kafkaBrokers')), { maxWaitTimeInMs: 100 })
  afterAll(() => kafka.close())
  const keys = sampleKeys()

  it('places keys where the Kafka adapter put them on the broker', async () => {
    const topic = uniqueTopic('placement')
    await kafka.ensureTopics([{ name: topic, partitions: 7 }])
    const producer = await kafka.producer()
    const produced = await producer.send(topic, keys.map((key, i) => ({ key, value: String(i) })))
    expect(produced.map((p) => p.partition)).toEqual(keys.map((k) => partitionForKey(k, 7)))

    // Read back: the partitions the broker holds them in, not just what the produce response said.
    const landed = new Map<number, number>()
    const consumer = kafka.consumer({ groupId: uniqueTopic('placement'), topics: [topic] })
    await consumer.run(async (batch) => {
      for (const r of batch.records) landed.set(Number(r.value!.toString()), r.partition)
    })
    await waitFor(`${keys.length} records`, () => (landed.size === keys.length ? true : undefined), { seen: () => landed.size })
    await consumer.stop()
    expect(keys.map((_, i) => landed.get(i))).toEqual(keys.map((k) => partitionForKey(k, 7)))
  })

  it.skipIf(!javaProducerAvailable())("places keys where Kafka's Java producer puts them", async () => {
    const topic = uniqueTopic('placement-java')
    await kafka.ensureTopics([{ name: topic, partitions: 12 }])
    const partitions = await javaPlacement(inject('kafkaBrokers'), topic, keys)
    expect(partitions).toEqual(keys.map((k) => partitionForKey(k, 12)))
  })
})
