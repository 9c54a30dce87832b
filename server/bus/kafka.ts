import { randomUUID } from 'node:crypto'
import { Kafka, Partitioners, type Admin, type ConfigResourceTypes, type Consumer, type Message, type Producer } from 'kafkajs'
import type { Config } from '../config'
import { type Backoff, sleep } from '../retry'
import { kafkaClientConfig, retried } from './kafka-client'
import { KafkaConsumer } from './kafka-consumer'
import { toMessage, toRecord } from './kafka-records'
import { partitionForKey } from './placement'
import {
  REDELIVERY_BACKOFF,
  type BusConsumer,
  type BusProducer,
  type BusRecord,
  type ConsumerOptions,
  type PartitionEnd,
  type PartitionOffset,
  type ProducedRecord,
  type TopicSpec,
  type Transport,
} from './port'

/**
 * The Kafka adapter (kafkajs 2.2.4). One client per transport; the admin and the idempotent
 * producer are created on first use and shared; each consumer() is its own kafkajs consumer.
 *
 * Consumers run eachBatch with autoCommit and auto-resolve off: a batch's offsets (last + 1) are
 * committed only after the handler resolved. A rejected batch is not committed; the consumer seeks
 * back to its first offset and backs off (exponential, capped; heartbeats continue) before it is
 * fetched again. Batches are handled one at a time per consumer (kafkajs' default concurrency), so
 * a back-off holds the consumer's other partitions too: handlers are expected to dead-letter bad
 * input and reject only on failures that would hit every partition (a store being down).
 *
 * Pattern subscriptions: kafkajs resolves a RegExp only when subscribing, so the consumer lists the
 * topics every `topicRefreshMs` and, when new ones match, restarts itself (the in-flight batch
 * finishes and commits first) subscribed to them. Topics found that way are read from their
 * beginning whatever fromBeginning says: everything in them was produced after the consumer started.
 */

export interface KafkaTransportOptions {
  /** Fetch long-poll. Also bounds how long stop() waits for the fetch in flight. Default 500 ms. */
  maxWaitTimeInMs?: number
  /** How often pattern subscriptions look for new topics. Default 30 s. */
  topicRefreshMs?: number
  /** Delays before a rejected batch is delivered again. Default: REDELIVERY_BACKOFF. */
  retryBackoff?: Backoff
  sessionTimeout?: number
  heartbeatInterval?: number
  /**
   * Fetch sizes. Larger than kafkajs' defaults (1 MiB per partition): a batch is one ClickHouse insert,
   * and an insert has a large fixed cost, so ~10k-record batches are what lets ingest keep up.
   */
  maxBytesPerPartition?: number
  maxBytes?: number
}

/** Resolves once kafkajs' consumer joined its group (seek() before that throws). */
function waitForJoin(consumer: Consumer): Promise<void> {
  return new Promise((resolve) => {
    const off = consumer.on(consumer.events.GROUP_JOIN, () => {
      off()
      resolve()
    })
  })
}

/** kafkajs' ConfigResourceTypes.TOPIC: the enum is not a named export Node's ESM loader can see in the CJS build. */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes

export class KafkaTransport implements Transport {
  readonly kind = 'kafka' as const
  readonly kafka: Kafka
  readonly options: Required<KafkaTransportOptions>
  private adminClient: Promise<Admin> | null = null
  private producerClient: Promise<{ producer: Producer; bus: BusProducer }> | null = null
  private readonly consumers = new Set<KafkaConsumer>()
  private closed = false

  constructor(config: Config['kafka'], options: KafkaTransportOptions = {}) {
    this.kafka = new Kafka(kafkaClientConfig(config))
    this.options = {
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 500,
      topicRefreshMs: options.topicRefreshMs ?? 30_000,
      retryBackoff: options.retryBackoff ?? REDELIVERY_BACKOFF,
      sessionTimeout: options.sessionTimeout ?? 30_000,
      heartbeatInterval: options.heartbeatInterval ?? 3_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 8 * 1024 * 1024,
      maxBytes: options.maxBytes ?? 32 * 1024 * 1024,
    }
  }

  /** The shared admin client, connected on first use (a failed connect is retried by the next call). */
  admin(): Promise<Admin> {
    this.assertOpen()
    this.adminClient ??= (async () => {
      const admin = this.kafka.admin()
      await admin.connect()
      return admin
    })().catch((error: unknown) => {
      this.adminClient = null
      throw error
    })
    return this.adminClient
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    const admin = await this.admin()
    const existing = new Set(await admin.listTopics())
    const wanted = new Map(topics.map((t) => [t.name, t]))
    const missing = [...wanted.values()].filter((t) => !existing.has(t.name))
    if (!missing.length) return
    // Returns false when another process created (some of) them in between: fine, they exist.
    await admin.createTopics({
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        configEntries: [
          ...(t.retentionMs === undefined ? [] : [{ name: 'retention.ms', value: String(t.retentionMs) }]),
          ...(t.maxMessageBytes === undefined ? [] : [{ name: 'max.message.bytes', value: String(t.maxMessageBytes) }]),
        ],
      })),
      waitForLeaders: false,
    })
    await this.awaitLeaders(admin, missing.map((t) => t.name))
  }

  /**
   * Our own wait, not kafkajs' waitForLeaders: that one retries only LEADER_NOT_AVAILABLE, while a
   * busy broker also answers UNKNOWN_TOPIC_OR_PARTITION for a moment after the creation.
   */
  private async awaitLeaders(admin: Admin, topics: string[]): Promise<void> {
    const deadline = Date.now() + 30_000
    for (;;) {
      try {
        const { topics: meta } = await admin.fetchTopicMetadata({ topics })
        if (meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return
      } catch (error) {
        if (Date.now() > deadline) throw error
      }
      if (Date.now() > deadline) throw new Error(`Topics ${topics.join(', ')} have no leaders after 30 s`)
      await sleep(100)
    }
  }

  async listTopics(): Promise<string[]> {
    return (await this.admin()).listTopics()
  }

  async topicRetentionMs(topic: string): Promise<number | null> {
    const admin = await this.admin()
    const { resources } = await retried('describeConfigs', () => admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ['retention.ms'] }] }))
    const value = resources[0]?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue
    const ms = value === undefined || value === null ? NaN : Number(value)
    return Number.isFinite(ms) && ms > 0 ? ms : null
  }

  async endOffsets(topic: string): Promise<PartitionEnd[]> {
    const admin = await this.admin()
    const offsets = await retried('fetchTopicOffsets', () => admin.fetchTopicOffsets(topic))
    return offsets.map((o) => ({ partition: o.partition, end: o.high })).sort((a, b) => a.partition - b.partition)
  }

  async startGroupAtTime(groupId: string, topic: string, timestamp: number): Promise<PartitionOffset[]> {
    const admin = await this.admin()
    const [committed] = await retried('fetchOffsets', () => admin.fetchOffsets({ groupId, topics: [topic] }))
    // kafkajs answers -1 for a partition the group never committed.
    const fresh = new Set((committed?.partitions ?? []).filter((p) => Number(p.offset) < 0).map((p) => p.partition))
    if (fresh.size === 0) return []
    const atTime = await retried('fetchTopicOffsetsByTimestamp', () => admin.fetchTopicOffsetsByTimestamp(topic, timestamp))
    const partitions = atTime.filter((p) => fresh.has(p.partition)).sort((a, b) => a.partition - b.partition)
    await admin.setOffsets({ groupId, topic, partitions })
    return partitions.map((p) => ({ partition: p.partition, offset: p.offset }))
  }

  /**
   * A throwaway consumer group that seeks to `from` on the one partition and stops at `to`; it
   * commits nothing and is deleted afterwards. Gives up after 30 s (the caller retries later).
   */
  async readPartition(topic: string, partition: number, from: string, to: string): Promise<BusRecord[]> {
    if (BigInt(from) >= BigInt(to)) return []
    this.assertOpen()
    const groupId = `linetrace-probe-${randomUUID()}`
    const { maxWaitTimeInMs } = this.options
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs, allowAutoTopicCreation: false })
    const records: BusRecord[] = []
    const last = BigInt(to) - 1n
    try {
      await consumer.connect()
      await consumer.subscribe({ topics: [topic], fromBeginning: false })
      const joined = waitForJoin(consumer)
      const done = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Reading ${topic}/${partition} [${from}, ${to}) took longer than 30 s`)), 30_000)
        void consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            if (batch.partition !== partition) return
            for (const m of batch.messages) {
              const offset = BigInt(m.offset)
              if (offset >= BigInt(from) && offset <= last) records.push(toRecord(topic, partition, m))
            }
            // Done at `to`, or at the log end when retention or compaction left gaps before it.
            if (BigInt(batch.lastOffset()) >= last || BigInt(batch.highWatermark) - 1n >= last) {
              clearTimeout(timer)
              resolve()
            }
          },
        })
      })
      // kafkajs accepts a seek only once the group is joined; it then overrides the start at the log end.
      await joined
      consumer.seek({ topic, partition, offset: from })
      await done
      return records
    } finally {
      await consumer.disconnect().catch(() => undefined)
      await this.admin()
        .then((admin) => admin.deleteGroups([groupId]))
        .catch(() => undefined)
    }
  }

  consumer(options: ConsumerOptions): BusConsumer {
    this.assertOpen()
    const consumer = new KafkaConsumer(this, options)
    this.consumers.add(consumer)
    return consumer
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The Kafka transport is closed')
  }

  forget(consumer: KafkaConsumer): void {
    this.consumers.delete(consumer)
  }

  async producer(): Promise<BusProducer> {
    this.assertOpen()
    this.producerClient ??= this.connectProducer().catch((error: unknown) => {
      this.producerClient = null
      throw error
    })
    return (await this.producerClient).bus
  }

  private async connectProducer(): Promise<{ producer: Producer; bus: BusProducer }> {
    // Kafka's default placement: murmur2 of the key, round robin without one (kafkajs). Keys are
    // hashed by our murmur2: kafkajs' allocates Long objects per step, a tenth of the send time.
    // The partitioner also notes where each record went: a produce response only has base offsets.
    const placed = new WeakMap<Message, number>()
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: () => {
        const roundRobin = Partitioners.DefaultPartitioner()
        return (args) => {
          const { message, partitionMetadata } = args
          const key = message.key
          const partition = message.partition ?? (key == null ? roundRobin(args) : partitionForKey(typeof key === 'string' ? Buffer.from(key) : key, partitionMetadata.length))
          placed.set(message, partition)
          return partition
        }
      },
    })
    await producer.connect()
    // kafkajs' idempotent producer mis-numbers sequences when sends overlap (OUT_OF_ORDER_SEQUENCE_NUMBER,
    // or worse, silently dropped records: tulios/kafkajs#598, #1005), so sends go one at a time.
    let queue: Promise<unknown> = Promise.resolve()
    const sendOneAtATime = (request: Parameters<Producer['send']>[0]) => {
      const result = queue.then(() => producer.send(request))
      queue = result.catch(() => undefined)
      return result
    }
    const bus: BusProducer = {
      async send(topic, records) {
        if (!records.length) return []
        const messages = records.map(toMessage)
        const response = await sendOneAtATime({ topic, messages, acks: -1 })
        const next = new Map(response.map((r) => [r.partition, BigInt(r.baseOffset ?? r.offset ?? '-1')]))
        return messages.map((m): ProducedRecord => {
          const partition = placed.get(m) ?? m.partition!
          const offset = next.get(partition)!
          next.set(partition, offset + 1n)
          return { topic, partition, offset: offset.toString() }
        })
      },
    }
    return { producer, bus }
  }

  /** Stops the consumers still running, then disconnects the producer and the admin client. */
  async close(): Promise<void> {
    this.closed = true
    await Promise.allSettled([...this.consumers].map((c) => c.stop()))
    const clients = [this.producerClient?.then((p) => p.producer.disconnect()), this.adminClient?.then((a) => a.disconnect())]
    this.producerClient = this.adminClient = null
    await Promise.allSettled(clients)
  }
}
