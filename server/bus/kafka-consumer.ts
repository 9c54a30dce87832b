import type { Consumer, EachBatchPayload } from 'kafkajs'
import { logger } from '../logger'
import { backoffDelay, sleep } from '../retry'
import { retried } from './kafka-client'
import type { KafkaTransport } from './kafka'
import { toRecord } from './kafka-records'
import type { BatchHandler, BusConsumer, ConsumerOptions, HandlerContext, PartitionLag } from './port'
import { topicMatcher } from './subscription'

/**
 * One consumer of the Kafka adapter: its own kafkajs consumer, committing a batch only after the
 * handler resolved, backing off (heartbeating) after a rejection, and restarting itself when new
 * topics match a pattern subscription (see kafka.ts).
 */

const log = logger.child({ component: 'bus', transport: 'kafka' })

type State = 'idle' | 'running' | 'stopping' | 'stopped'

export class KafkaConsumer implements BusConsumer {
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
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsInFlight ?? 1,
      eachBatch: (payload) => this.onBatch(payload),
    })
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
