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
const SETTLED = Promise.resolve(true)

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
  /** Per partition, the latest released delivery: settles true once committed (see onBatch). */
  private readonly tails = new Map<string, { epoch: number; settled: Promise<boolean> }>()
  /** Per partition, bumped when a released delivery failed: deliveries handed over before are not committed. */
  private readonly epochs = new Map<string, number>()
  /** After a released delivery failed: no delivery before then (the back-off a rejection holds). */
  private retryAt = 0

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
    if (this.retryAt > Date.now()) await this.backoff(this.retryAt - Date.now(), heartbeat, isRunning)

    const key = `${topic}|${partition}`
    const epoch = this.epochOf(key)
    const tail = this.tails.get(key)
    // The delivery before this one, released and perhaps still being written: commits go in order.
    const before = tail?.epoch === epoch ? tail.settled : SETTLED
    const records = batch.messages.map((m) => toRecord(topic, partition, m))
    const next = (BigInt(batch.lastOffset()) + 1n).toString()
    let heartbeatError: unknown
    let release!: () => void
    const released = new Promise<'released'>((resolve) => (release = () => resolve('released')))
    const ctx: HandlerContext = {
      signal: this.abort.signal,
      heartbeat: () =>
        heartbeat().catch((error: unknown) => {
          heartbeatError = error
          throw error
        }),
      release,
    }
    const outcome = this.handler!({ topic, partition, records, highWatermark: batch.highWatermark }, ctx).then(
      () => ({ ok: true as const }),
      (error: unknown) => ({ ok: false as const, error }),
    )
    const early = await Promise.race([outcome, released])

    if (early === 'released') {
      // kafkajs fetches on from the next offset while this delivery's writes finish; its commit
      // waits for the delivery before it and is skipped if that one failed.
      resolveOffset(batch.lastOffset())
      const settled = (async () => {
        const ok = (await before) && this.epochOf(key) === epoch
        const o = await outcome
        if (!ok) return false
        if (!o.ok) {
          this.releasedFailed(key, topic, partition, first, o.error)
          return false
        }
        try {
          await this.consumer!.commitOffsets([{ topic, partition, offset: next }])
          this.failures = 0
          return true
        } catch (error) {
          // A rebalance took the partition: its next owner reads from the last commit.
          log.info({ err: error, group: this.options.groupId, topic, partition, offset: first }, 'commit of a released batch failed; it will be delivered again')
          return false
        }
      })()
      this.tails.set(key, { epoch, settled })
      // One delivery ahead at most: the next fetch waits until the one before this is durable.
      await this.whileHeartbeating(before, heartbeat)
      return
    }

    const ok = await this.whileHeartbeating(before, heartbeat)
    // The released delivery before this one failed and sought the partition back: nothing here counts.
    if (!ok || this.epochOf(key) !== epoch) return
    if (!early.ok) {
      const error = early.error
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
    await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] })
  }

  /**
   * A released delivery failed: the partition is read again from its first offset (after the
   * usual back-off), and deliveries handed over after it are not committed (new epoch).
   */
  private releasedFailed(key: string, topic: string, partition: number, first: string, error: unknown): void {
    this.epochs.set(key, this.epochOf(key) + 1)
    if (this.state !== 'running') return // stopping: the next owner reads it again
    try {
      this.consumer!.seek({ topic, partition, offset: first })
    } catch (seekError) {
      // Not ours any more (a rebalance): its next owner reads from the last commit.
      log.info({ err: seekError, group: this.options.groupId, topic, partition }, 'could not seek a partition back')
    }
    const delay = backoffDelay(++this.failures, this.transport.options.retryBackoff)
    this.retryAt = Date.now() + delay
    log.warn({ err: error, group: this.options.groupId, topic, partition, offset: first, failures: this.failures, retryInMs: delay }, 'released batch failed; it will be delivered again')
  }

  private epochOf(key: string): number {
    return this.epochs.get(key) ?? 0
  }

  /** Awaits `p`, heartbeating meanwhile (a delivery being written may take longer than a session). */
  private async whileHeartbeating<T>(p: Promise<T>, heartbeat: () => Promise<void>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    try {
      return await Promise.race([
        p,
        new Promise<never>((_, reject) => {
          timer = setInterval(() => heartbeat().catch(reject), this.transport.options.heartbeatInterval)
        }),
      ])
    } finally {
      clearInterval(timer)
    }
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
      // Released deliveries settle once their handlers saw the abort: what resolved is committed.
      await Promise.all([...this.tails.values()].map((t) => t.settled))
      // kafkajs stops fetching, waits for the batch in flight (our handler and its commit), leaves the group.
      await this.consumer?.disconnect()
      this.state = 'stopped'
      this.transport.forget(this)
      log.info({ group: this.options.groupId }, 'Kafka consumer stopped')
    })()
    return this.stopped
  }
}
