import { randomUUID } from 'node:crypto'
import {
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevel,
  type Admin,
  type ConfigResourceTypes,
  type Consumer,
  type EachBatchPayload,
  type KafkaConfig,
  type KafkaMessage,
  type LogEntry,
  type logCreator,
  type Message,
  type Producer,
  type SASLOptions,
} from 'kafkajs'
import type { Config } from '../config'
import { logger, type Logger } from '../logger'
import { type Backoff, backoffDelay, retry, sleep } from '../retry'
import { partitionForKey } from './placement'
import {
  REDELIVERY_BACKOFF,
  type BatchHandler,
  type BusConsumer,
  type BusProducer,
  type BusRecord,
  type ConsumerOptions,
  type HandlerContext,
  type OutgoingRecord,
  type PartitionEnd,
  type PartitionLag,
  type ProducedRecord,
  type TopicSpec,
  type Transport,
} from './port'
import { toHeaders } from './record-headers'
import { topicMatcher } from './subscription'

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

const log = logger.child({ component: 'bus', transport: 'kafka' })

export function kafkaClientConfig(config: Config['kafka'], base: Logger = logger): KafkaConfig {
  return {
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl,
    sasl: config.sasl && saslOptions(config.sasl),
    logLevel: kafkaLogLevel(base),
    logCreator: kafkaLogCreator(base),
  }
}

function saslOptions(sasl: NonNullable<Config['kafka']['sasl']>): SASLOptions {
  const { username, password } = sasl
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password }
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password }
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password }
  }
}

/** kafkajs builds no log lines pino would discard: INFO and DEBUG only when pino wants them. */
function kafkaLogLevel(base: Logger): KafkaLogLevel {
  if (base.isLevelEnabled('trace')) return KafkaLogLevel.DEBUG
  if (base.isLevelEnabled('debug')) return KafkaLogLevel.INFO
  return KafkaLogLevel.WARN
}

const SECRET_KEY = /pass|secret|token|sasl|credential/i

/**
 * kafkajs' levels shifted to ours: its INFO (joins, starts, pauses) is routine → debug, DEBUG →
 * trace. Its network layer logs every refused connection and failed response as ERROR although
 * the caller retries and reports a final failure itself (a broker restarting, "coordinator is
 * loading" on a fresh broker) → warn.
 */
const RETRIED = new Set(['Connection', 'BrokerPool'])

export function kafkaLogCreator(base: Logger): logCreator {
  const out = base.child({ component: 'kafkajs' })
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = entry
      for (const key of Object.keys(extra)) if (SECRET_KEY.test(key)) delete extra[key]
      const fields = { namespace, ...extra }
      if (level === KafkaLogLevel.ERROR) {
        const transient = RETRIED.has(namespace) || String(message).startsWith('Restarting the consumer')
        out[transient ? 'warn' : 'error'](fields, message)
      } else if (level === KafkaLogLevel.WARN) out.warn(fields, message)
      else if (level === KafkaLogLevel.INFO) out.debug(fields, message)
      else out.trace(fields, message)
    }
}

function toRecord(topic: string, partition: number, m: KafkaMessage): BusRecord {
  return { topic, partition, offset: m.offset, key: m.key ?? null, value: m.value ?? null, headers: toHeaders(m.headers), timestamp: Number(m.timestamp) }
}

function toMessage(r: OutgoingRecord): Message {
  return { key: r.key ?? null, value: r.value, headers: r.headers, partition: r.partition, timestamp: r.timestamp === undefined ? undefined : String(r.timestamp) }
}

/** 0.1 s doubling: five waits, 3.1 s in all, before the sixth and last attempt. */
const ADMIN_BACKOFF: Backoff = { initialMs: 100, maxMs: 3_200 }

/**
 * Retries what kafkajs' admin does not: right after a topic is created the broker may still answer
 * NOT_LEADER_FOR_PARTITION for it (its own metadata trails the KRaft controller's), a retriable error.
 */
function retried<T>(what: string, call: () => Promise<T>): Promise<T> {
  return retry(what, call, { attempts: 6, backoff: ADMIN_BACKOFF, retryable: (error) => (error as { retriable?: boolean }).retriable === true })
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
        configEntries: t.retentionMs === undefined ? [] : [{ name: 'retention.ms', value: String(t.retentionMs) }],
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

type State = 'idle' | 'running' | 'stopping' | 'stopped'

class KafkaConsumer implements BusConsumer {
  private readonly matches: (topic: string) => boolean
  private readonly abort = new AbortController()
  private consumer: Consumer | null = null
  private handler: BatchHandler | null = null
  private state: State = 'idle'
  private paused = false
  private failures = 0
  /** The topics kafkajs is subscribed to now. */
  private topics: string[] = []
  private existing = new Set<string>()
  private refreshTimer: NodeJS.Timeout | null = null
  /** Start, restarts and stop run one after another. */
  private lifecycle: Promise<void> = Promise.resolve()
  private stopped: Promise<void> | null = null

  constructor(
    private readonly transport: KafkaTransport,
    private readonly options: ConsumerOptions,
  ) {
    this.matches = topicMatcher(options.topics)
  }

  run(handler: BatchHandler): Promise<void> {
    if (this.state !== 'idle') throw new Error('run() may be called once per consumer')
    this.state = 'running'
    this.handler = handler
    this.lifecycle = this.start()
    return this.lifecycle
  }

  private async start(): Promise<void> {
    const { groupId } = this.options
    const { maxWaitTimeInMs, sessionTimeout, heartbeatInterval, topicRefreshMs, maxBytesPerPartition, maxBytes } = this.transport.options
    const consumer = this.transport.kafka.consumer({ groupId, maxWaitTimeInMs, sessionTimeout, heartbeatInterval, maxBytesPerPartition, maxBytes, allowAutoTopicCreation: false })
    this.consumer = consumer
    // A join also follows kafkajs' own restarts after a crash, which forget pauses.
    consumer.on(consumer.events.GROUP_JOIN, () => this.applyPause())
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) log.error({ err: payload.error, group: groupId }, 'Kafka consumer crashed and will not restart')
    })
    await consumer.connect()
    const topics = await this.resolveTopics()
    this.existing = new Set(topics)
    await this.subscribeAndRun(topics)
    if (!Array.isArray(this.options.topics)) {
      this.refreshTimer = setInterval(() => this.refresh(), topicRefreshMs)
      this.refreshTimer.unref()
    }
    log.info({ group: groupId, topics }, 'Kafka consumer started')
  }

  private async resolveTopics(): Promise<string[]> {
    const { topics } = this.options
    if (Array.isArray(topics)) return topics
    return (await this.transport.listTopics()).filter(this.matches).sort()
  }

  private async subscribeAndRun(topics: string[]): Promise<void> {
    const consumer = this.consumer!
    this.topics = topics
    if (!topics.length) return // a pattern with no match yet: refresh() starts consuming later
    const old = topics.filter((t) => this.existing.has(t))
    const fresh = topics.filter((t) => !this.existing.has(t))
    if (old.length) await consumer.subscribe({ topics: old, fromBeginning: this.options.fromBeginning ?? true })
    if (fresh.length) await consumer.subscribe({ topics: fresh, fromBeginning: true })
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) })
    this.applyPause()
  }

  private refresh(): void {
    this.lifecycle = this.lifecycle
      .then(async () => {
        if (this.state !== 'running') return
        const topics = await this.resolveTopics()
        const added = topics.filter((t) => !this.topics.includes(t))
        if (!added.length || this.state !== 'running') return
        log.info({ group: this.options.groupId, added }, 'new topics match the subscription: restarting the consumer')
        await this.consumer!.stop()
        if (this.state === 'running') await this.subscribeAndRun(topics)
      })
      .catch((error: unknown) => log.warn({ err: error, group: this.options.groupId }, 'could not refresh the topics of a pattern subscription; trying again later'))
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload
    const { topic, partition } = batch
    const first = batch.firstOffset()
    // Not handed over: nothing is resolved, so the same records are fetched again later.
    if (this.state !== 'running' || this.paused || !isRunning() || isStale() || first === null) return

    const records = batch.messages.map((m) => toRecord(topic, partition, m))
    let heartbeatError: unknown
    const ctx: HandlerContext = {
      signal: this.abort.signal,
      heartbeat: () =>
        heartbeat().catch((error: unknown) => {
          heartbeatError = error
          throw error
        }),
    }
    try {
      await this.handler!({ topic, partition, records, highWatermark: batch.highWatermark }, ctx)
    } catch (error) {
      // A rebalance seen by a heartbeat goes to kafkajs, which re-joins; the batch stays uncommitted.
      if (error === heartbeatError) throw error
      this.consumer!.seek({ topic, partition, offset: first })
      if (this.state !== 'running') return // stopping: the next owner reads it again
      const delay = backoffDelay(++this.failures, this.transport.options.retryBackoff)
      log.warn({ err: error, group: this.options.groupId, topic, partition, offset: first, records: records.length, failures: this.failures, retryInMs: delay }, 'batch handler failed; the batch will be delivered again')
      await this.backoff(delay, heartbeat, isRunning)
      return
    }
    this.failures = 0
    resolveOffset(batch.lastOffset())
    // Errors here (a rebalance took the partition) go to kafkajs; the batch is then delivered again.
    await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }] }] })
  }

  /**
   * Waits before the redelivery while heartbeating, so the group keeps this member. Ends early on
   * stop() and (within a heartbeat interval) when kafkajs stops for a pattern-subscription restart.
   */
  private async backoff(ms: number, heartbeat: () => Promise<void>, kafkajsRunning: () => boolean): Promise<void> {
    const until = Date.now() + ms
    const waiting = () => this.state === 'running' && kafkajsRunning() && Date.now() < until
    while (waiting()) {
      await sleep(Math.min(until - Date.now(), this.transport.options.heartbeatInterval), this.abort.signal)
      if (waiting()) await heartbeat()
    }
  }

  private applyPause(): void {
    if (!this.consumer || !this.topics.length) return
    const topics = this.topics.map((topic) => ({ topic }))
    try {
      if (this.paused) this.consumer.pause(topics)
      else this.consumer.resume(topics)
    } catch {
      // not running at this moment (starting or restarting): applied again on the next group join
    }
  }

  pause(): void {
    this.paused = true
    this.applyPause()
  }

  resume(): void {
    this.paused = false
    this.applyPause()
  }

  isPaused(): boolean {
    return this.paused
  }

  async lag(): Promise<PartitionLag[]> {
    const topics = this.state === 'running' ? this.topics : await this.resolveTopics()
    if (!topics.length) return []
    const admin = await this.transport.admin()
    const [committed, ends] = await retried('lag', () =>
      Promise.all([
        admin.fetchOffsets({ groupId: this.options.groupId, topics }),
        Promise.all(topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) }))),
      ]),
    )
    const fromBeginning = this.options.fromBeginning ?? true
    return ends.flatMap(({ topic, offsets }) =>
      offsets.map(({ partition, high, low }) => {
        const own = committed.find((c) => c.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset
        // No commit yet: the group would start at the log start (or at its end for fromBeginning=false).
        let at = own === undefined || own === '-1' ? (fromBeginning ? low : high) : own
        if (BigInt(at) < BigInt(low)) at = low
        return { topic, partition, committed: at, end: high, lag: Math.max(0, Number(BigInt(high) - BigInt(at))) }
      }),
    )
  }

  stop(): Promise<void> {
    if (this.state === 'idle') this.state = 'stopped'
    if (this.state === 'stopped') return Promise.resolve()
    this.stopped ??= (async () => {
      this.state = 'stopping'
      if (this.refreshTimer) clearInterval(this.refreshTimer)
      this.abort.abort()
      await this.lifecycle.catch(() => {})
      // kafkajs stops fetching, waits for the batch in flight (our handler and its commit), leaves the group.
      await this.consumer?.disconnect()
      this.state = 'stopped'
      this.transport.forget(this)
      log.info({ group: this.options.groupId }, 'Kafka consumer stopped')
    })()
    return this.stopped
  }
}
