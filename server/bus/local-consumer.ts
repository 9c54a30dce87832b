import { logger } from '../logger'
import { backoffDelay, sleep } from '../retry'
import type { LocalTransport } from './local'
import { end, type Group, type Partition, type Topic } from './local-log'
import type { BatchHandler, BusConsumer, ConsumerOptions, HandlerContext, PartitionLag } from './port'
import { topicMatcher } from './subscription'

/**
 * One member of a consumer group on the in-process bus: delivers one batch at a time (or one per
 * partition, up to partitionsInFlight), round robin over the partitions its group gives it,
 * commits what the handler resolved and backs off after a rejection (port.ts has the contract).
 */

const log = logger.child({ component: 'bus', transport: 'local' })

type State = 'idle' | 'running' | 'stopping' | 'stopped'

export class LocalConsumer implements BusConsumer {
  readonly matches: (topic: string) => boolean
  private readonly fromBeginning: boolean
  private readonly maxInFlight: number
  private readonly partitions: Partition[] = []
  private readonly starts = new Map<Partition, number>()
  /** Topics that existed at run(): only these honour fromBeginning=false; later ones are read from their start. */
  private readonly existing = new Set<string>()
  private readonly abort = new AbortController()
  private readonly ctx: HandlerContext
  private state: State = 'idle'
  private paused = false
  private waiting: (() => void) | null = null
  private loop: Promise<void> = Promise.resolve()
  private stopped: Promise<void> | null = null
  private cursor = 0
  private failures = 0

  constructor(
    private readonly bus: LocalTransport,
    private readonly group: Group,
    options: ConsumerOptions,
  ) {
    this.matches = topicMatcher(options.topics)
    this.fromBeginning = options.fromBeginning ?? true
    this.maxInFlight = options.partitionsInFlight ?? 1
    this.ctx = { signal: this.abort.signal, heartbeat: async () => {} }
  }

  async run(handler: BatchHandler): Promise<void> {
    if (this.state !== 'idle') throw new Error('run() may be called once per consumer')
    this.state = 'running'
    for (const t of this.bus.allTopics()) this.existing.add(t.name)
    this.bus.attach(this, this.group)
    this.loop = this.consume(handler)
  }

  pause(): void {
    this.paused = true
  }

  resume(): void {
    this.paused = false
    this.wake()
  }

  isPaused(): boolean {
    return this.paused
  }

  async lag(): Promise<PartitionLag[]> {
    const lags: PartitionLag[] = []
    for (const t of this.bus.allTopics()) {
      if (!this.matches(t.name)) continue
      for (const p of t.partitions) {
        const committed = Math.max(this.group.committed.get(p) ?? this.startOf(p), p.base)
        lags.push({ topic: p.topic, partition: p.index, committed: String(committed), end: String(end(p)), lag: end(p) - committed })
      }
    }
    return lags
  }

  stop(): Promise<void> {
    if (this.state === 'idle') this.state = 'stopped'
    if (this.state === 'stopped') return Promise.resolve()
    this.stopped ??= (async () => {
      this.state = 'stopping'
      this.abort.abort()
      this.wake()
      await this.loop
      this.bus.detach(this, this.group)
      this.state = 'stopped'
    })()
    return this.stopped
  }

  wake(): void {
    const resume = this.waiting
    this.waiting = null
    resume?.()
  }

  topicCreated(topic: Topic): void {
    if (this.state !== 'running' || !this.matches(topic.name) || topic.listeners.has(this)) return
    topic.listeners.add(this)
    this.partitions.push(...topic.partitions)
    this.wake()
  }

  /** Where this member starts on a partition its group has not committed. */
  startOf(p: Partition): number {
    let start = this.starts.get(p)
    if (start === undefined) {
      start = this.fromBeginning || !this.existing.has(p.topic) ? p.base : end(p)
      if (this.state === 'running') this.starts.set(p, start)
    }
    return start
  }

  /**
   * Up to `partitionsInFlight` deliveries at once, never two of one partition (`group.busy`, set
   * before deliver's first await). A delivery that ends wakes the loop for the next.
   */
  private async consume(handler: BatchHandler): Promise<void> {
    const inFlight = new Set<Promise<void>>()
    while (this.state === 'running') {
      const next = this.paused || inFlight.size >= this.maxInFlight ? undefined : this.next()
      if (next) {
        const delivery: Promise<void> = this.deliver(next, handler).finally(() => {
          inFlight.delete(delivery)
          this.wake()
        })
        inFlight.add(delivery)
      } else await new Promise<void>((resolve) => (this.waiting = resolve))
    }
    await Promise.all(inFlight)
  }

  /** The next partition with records for this member, round robin so that no partition starves. */
  private next(): Partition | undefined {
    const n = this.partitions.length
    for (let i = 0; i < n; i++) {
      const p = this.partitions[(this.cursor + i) % n]!
      if (this.group.busy.has(p) || !this.group.owns(this, p)) continue
      if (this.position(p) < end(p)) {
        this.cursor = (this.cursor + i + 1) % n
        return p
      }
    }
    return undefined
  }

  private position(p: Partition): number {
    const at = this.group.committed.get(p) ?? this.startOf(p)
    return Math.max(at, p.base)
  }

  private async deliver(p: Partition, handler: BatchHandler): Promise<void> {
    const from = this.position(p)
    const lost = (this.group.committed.get(p) ?? from) < from
    if (lost) log.warn({ group: this.group.id, topic: p.topic, partition: p.index, committed: this.group.committed.get(p), resumedAt: from }, 'records this group had not consumed were dropped by the size cap')
    const first = from - p.base
    const last = Math.min(p.records.length, first + this.bus.maxBatchRecords)
    let stop = first + 1
    for (let bytes = p.sizes[first]!; stop < last && bytes + p.sizes[stop]! <= this.bus.maxBatchBytes; stop++) bytes += p.sizes[stop]!
    const batch = { topic: p.topic, partition: p.index, records: p.records.slice(first, stop), highWatermark: String(end(p)) }
    this.group.busy.add(p)
    try {
      await handler(batch, this.ctx)
      this.failures = 0
      // It resolved, even if the consumer is stopping meanwhile: then the work is done and is kept.
      this.bus.commit(this.group, p, from + batch.records.length)
    } catch (error) {
      if (this.state === 'running') {
        const delay = backoffDelay(++this.failures, this.bus.retryBackoff)
        log.warn({ err: error, group: this.group.id, topic: p.topic, partition: p.index, offset: String(from), records: batch.records.length, failures: this.failures, retryInMs: delay }, 'batch handler failed; the batch will be delivered again')
        await sleep(delay, this.abort.signal)
      }
    } finally {
      this.group.busy.delete(p)
      if (this.group.members.length > 1) this.group.wakeAll()
    }
  }
}
