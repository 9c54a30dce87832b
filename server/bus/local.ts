import { logger } from '../logger'
import type { Backoff } from '../retry'
import { LocalConsumer } from './local-consumer'
import { end, Group, type Partition, type Topic } from './local-log'
import { partitionForKey } from './placement'
import {
  REDELIVERY_BACKOFF,
  type BusConsumer,
  type BusProducer,
  type BusRecord,
  type ConsumerOptions,
  type OutgoingRecord,
  type PartitionEnd,
  type PartitionOffset,
  type ProducedRecord,
  type TopicSpec,
  type Transport,
} from './port'
import { toHeaders } from './record-headers'

/**
 * The in-process bus of the all-embedded mode (`npm start` without KAFKA_BROKERS): the simulator,
 * the ingest worker, the DLQ indexer and the replay executor share it inside one process. It keeps
 * the consumer contract of port.ts and Kafka's placement, so code written against it behaves the
 * same on Kafka. Nothing survives a restart: records live in memory only.
 *
 * Offsets never repeat across restarts. Kafka never reuses an offset of a topic-partition, and what
 * we store is keyed by it: ClickHouse's insert deduplication tokens and the ingest checkpoints
 * (`{topic}:{partition}:{first}-{last}`), dead letters (unique topic, partition, offset), replay
 * sources. A bus that began every process at offset 0 would make the first records after a
 * restart look like ones already stored: ClickHouse drops them as duplicate inserts, the DLQ
 * indexer as known dead letters. So a new topic's offsets begin at the wall clock in ms × 1,000,
 * after every offset an earlier process could have used unless it appended more than a million
 * records a second to one partition (offsets stay below 2^53 until the year 2255).
 *
 * Retention (memory is bounded two ways, per partition):
 * - records every group has committed are kept up to `retainConsumedRecords` behind the slowest
 *   group (so a new group reading from the beginning still finds recent history), older ones are
 *   dropped in chunks. A group without members stops holding records back after `idleGroupMs`
 *   (like Kafka expiring an empty group's offsets), so a one-off group cannot pin the log;
 * - whatever the groups' positions, a partition never holds more than `maxPartitionBytes`: beyond
 *   it the oldest records are dropped, like Kafka's retention.bytes. That is data loss for a group
 *   that is that far behind, so it is logged as a warning (never silent), and such a group goes on
 *   from the oldest record still held.
 */

export interface LocalTransportOptions {
  /**
   * Most records in one batch (one partition). Default 20,000: with a backlog (a backfill, a
   * restart) each batch is one insert of each table and one checkpoint, and smaller ones cost per
   * batch. Measured on the embedded demo's first start (48 h of history, about 440k hop events):
   * 5,000 records / 1 MiB made 596 hop_events inserts and stored the 48 h after 159 s (254 s of
   * CPU); 20,000 / 8 MiB made 59 and took 110 s (163 s of CPU). A caught-up partition's batches
   * stay as small as what arrived.
   */
  maxBatchRecords?: number
  /** Most bytes (keys, values, headers) in one batch; a batch has at least one record. Default 8 MiB, as the Kafka transport's per-partition fetch. */
  maxBatchBytes?: number
  /** Records kept per partition behind the slowest group's committed offset. Default 10,000. */
  retainConsumedRecords?: number
  /** How long a group without members still holds records back. Default 10 min. */
  idleGroupMs?: number
  /** Hard cap per partition, see above. Default 64 MiB. */
  maxPartitionBytes?: number
  /** Delays before a rejected batch is delivered again. Default: REDELIVERY_BACKOFF. */
  retryBackoff?: Backoff
  /** Where new topics' offsets begin. Default: after any earlier process's (see above); tests that compare with Kafka use 0. */
  firstOffset?: number
}

const log = logger.child({ component: 'bus', transport: 'local' })

function sizeOf(record: BusRecord): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0)
  for (const name in record.headers) {
    const v = record.headers[name]!
    size += name.length + (Array.isArray(v) ? v.reduce((s, b) => s + b.length, 0) : v.length)
  }
  return size
}

/** Producers' buffers are copied: like a Kafka send, later changes by the caller must not reach the log. */
function ownBuffer(v: Buffer | string | null | undefined): Buffer | null {
  if (v == null) return null
  return typeof v === 'string' ? Buffer.from(v) : Buffer.from(v)
}

export class LocalTransport implements Transport {
  readonly kind = 'local' as const
  private readonly topics = new Map<string, Topic>()
  private readonly groups = new Map<string, Group>()
  private readonly consumers = new Set<LocalConsumer>()
  private closed = false
  readonly maxBatchRecords: number
  readonly maxBatchBytes: number
  readonly retryBackoff: Backoff
  private readonly retainConsumed: number
  private readonly idleGroupMs: number
  private readonly maxPartitionBytes: number
  private readonly firstOffset: number
  private readonly bus: BusProducer = { send: async (topic, records) => this.append(topic, records) }

  constructor(options: LocalTransportOptions = {}) {
    this.maxBatchRecords = options.maxBatchRecords ?? 20_000
    this.maxBatchBytes = options.maxBatchBytes ?? 8 * 1024 * 1024
    this.retainConsumed = options.retainConsumedRecords ?? 10_000
    this.idleGroupMs = options.idleGroupMs ?? 10 * 60_000
    this.maxPartitionBytes = options.maxPartitionBytes ?? 64 * 1024 * 1024
    this.retryBackoff = options.retryBackoff ?? REDELIVERY_BACKOFF
    this.firstOffset = options.firstOffset ?? Date.now() * 1_000
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    this.assertOpen()
    for (const { name, partitions } of specs) {
      if (this.topics.has(name)) continue
      if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`Topic ${name}: partitions must be a whole number ≥ 1, got ${partitions}`)
      const topic: Topic = { name, partitions: [], listeners: new Set(), roundRobin: 0 }
      for (let index = 0; index < partitions; index++) topic.partitions.push({ topic: name, index, base: this.firstOffset, records: [], sizes: [], bytes: 0 })
      this.topics.set(name, topic)
      for (const c of this.consumers) c.topicCreated(topic)
    }
  }

  async listTopics(): Promise<string[]> {
    return [...this.topics.keys()]
  }

  async endOffsets(name: string): Promise<PartitionEnd[]> {
    const topic = this.topics.get(name)
    if (!topic) throw new Error(`Topic ${name} does not exist`)
    return topic.partitions.map((p) => ({ partition: p.index, end: String(end(p)) }))
  }

  async readPartition(name: string, partition: number, from: string, to: string): Promise<BusRecord[]> {
    const p = this.topics.get(name)?.partitions[partition]
    if (!p) throw new Error(`Topic ${name} has no partition ${partition}`)
    const first = Math.max(Number(from), p.base) - p.base
    const last = Math.min(Number(to), end(p)) - p.base
    return first < last ? p.records.slice(first, last) : []
  }

  /** Records here are bounded by count and size (see above), never by age. */
  async topicRetentionMs(): Promise<number | null> {
    return null
  }

  async startGroupAtTime(groupId: string, name: string, timestamp: number): Promise<PartitionOffset[]> {
    const topic = this.topics.get(name)
    if (!topic) throw new Error(`Topic ${name} does not exist`)
    let group = this.groups.get(groupId)
    if (!group) this.groups.set(groupId, (group = new Group(groupId)))
    const out: PartitionOffset[] = []
    for (const p of topic.partitions) {
      if (group.committed.has(p)) continue
      // Kafka's answer too: the first record at or after the time, in offset order.
      const i = p.records.findIndex((r) => r.timestamp >= timestamp)
      const offset = i < 0 ? end(p) : p.base + i
      this.commit(group, p, offset)
      out.push({ partition: p.index, offset: String(offset) })
    }
    return out
  }

  consumer(options: ConsumerOptions): BusConsumer {
    this.assertOpen()
    let group = this.groups.get(options.groupId)
    if (!group) this.groups.set(options.groupId, (group = new Group(options.groupId)))
    return new LocalConsumer(this, group, options)
  }

  async producer(): Promise<BusProducer> {
    this.assertOpen()
    return this.bus
  }

  /** Stops every consumer still running; the log itself goes with the transport. */
  async close(): Promise<void> {
    this.closed = true
    await Promise.all([...this.consumers].map((c) => c.stop()))
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The local bus is closed')
  }

  /** The hot path: one object per record, no per-record promises or closures. */
  private append(topicName: string, records: OutgoingRecord[]): ProducedRecord[] {
    this.assertOpen()
    const topic = this.topics.get(topicName)
    if (!topic) throw new Error(`Topic ${topicName} does not exist: create it with ensureTopics() (topics are never created implicitly)`)
    const count = topic.partitions.length
    // Validate first so that a bad record fails the whole send, not half of it.
    for (const r of records) {
      if (r.partition !== undefined && !(Number.isInteger(r.partition) && r.partition >= 0 && r.partition < count))
        throw new RangeError(`Topic ${topicName} has partitions 0..${count - 1}, not ${r.partition}`)
    }
    const now = Date.now()
    const produced: ProducedRecord[] = new Array(records.length)
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!
      const key = ownBuffer(r.key)
      const index = r.partition ?? (key === null ? topic.roundRobin++ % count : partitionForKey(key, count))
      const p = topic.partitions[index]!
      const offset = String(end(p))
      const record: BusRecord = { topic: topicName, partition: index, offset, key, value: ownBuffer(r.value), headers: toHeaders(r.headers, true), timestamp: r.timestamp ?? now }
      const size = sizeOf(record)
      p.records.push(record)
      p.sizes.push(size)
      p.bytes += size
      produced[i] = { topic: topicName, partition: index, offset }
    }
    for (const p of topic.partitions) if (p.bytes > this.maxPartitionBytes) this.enforceCap(p)
    for (const c of topic.listeners) c.wake()
    return produced
  }

  /** Drops the oldest records down to 90% of the cap (the margin keeps this from running on every send). */
  private enforceCap(p: Partition): void {
    const target = this.maxPartitionBytes * 0.9
    let n = 0
    let bytes = p.bytes
    while (bytes > target && n < p.records.length - 1) bytes -= p.sizes[n++]!
    const newBase = p.base + n
    const behind = [...this.groups.values()].filter((g) => (g.committed.get(p) ?? newBase) < newBase).map((g) => g.id)
    this.drop(p, n)
    log.warn({ topic: p.topic, partition: p.index, dropped: n, groupsBehind: behind, maxPartitionBytes: this.maxPartitionBytes }, 'local bus partition over its size cap: oldest records dropped')
  }

  private drop(p: Partition, n: number): void {
    if (n <= 0) return
    p.records.splice(0, n)
    for (const size of p.sizes.splice(0, n)) p.bytes -= size
    p.base += n
  }

  commit(group: Group, p: Partition, next: number): void {
    if (next > (group.committed.get(p) ?? -1)) group.committed.set(p, next)
    this.trimConsumed(p)
  }

  /** Drops, in chunks, what every interested group has committed beyond the kept history. */
  private trimConsumed(p: Partition): void {
    let floor = Infinity
    const now = Date.now()
    for (const g of this.groups.values()) {
      if (!g.members.length && now - g.idleSince > this.idleGroupMs) continue
      const committed = g.committed.get(p)
      if (committed !== undefined) floor = Math.min(floor, committed)
      // An active member that has not committed here yet still needs everything from its start.
      else for (const m of g.members) if (m.matches(p.topic)) floor = Math.min(floor, m.startOf(p))
    }
    if (floor === Infinity) return
    const excess = floor - this.retainConsumed - p.base
    if (excess >= Math.max(1024, this.retainConsumed >> 3)) this.drop(p, excess)
  }

  topic(name: string): Topic | undefined {
    return this.topics.get(name)
  }

  allTopics(): IterableIterator<Topic> {
    return this.topics.values()
  }

  attach(c: LocalConsumer, group: Group): void {
    this.consumers.add(c)
    group.members.push(c)
    for (const t of this.topics.values()) c.topicCreated(t)
    group.wakeAll()
  }

  detach(c: LocalConsumer, group: Group): void {
    this.consumers.delete(c)
    const i = group.members.indexOf(c)
    if (i >= 0) group.members.splice(i, 1)
    if (!group.members.length) group.idleSince = Date.now()
    for (const t of this.topics.values()) t.listeners.delete(c)
    group.wakeAll()
  }
}
