import type { Backoff } from '../retry'

/**
 * The transport port: what the ingest worker, the DLQ indexer, the replay executor and the
 * simulator need from a message bus. Two adapters implement it with the same contract:
 * `kafka.ts` (kafkajs) and `local.ts` (in-process, for the all-embedded mode).
 *
 * Contract:
 * - A consumer hands the handler one batch per topic-partition, records in offset order.
 * - The batch's offsets are committed only after the handler resolved. If it rejects, nothing is
 *   committed and the same records are delivered again (from the first uncommitted offset).
 * - `pause()` stops fetching (the in-flight batch finishes); `resume()` continues.
 * - `stop()` stops fetching, aborts `signal` for the in-flight handler, waits for it to settle
 *   (resolve or reject), and commits nothing that did not resolve.
 *
 * Details both adapters share (contract.test.ts runs the same suite against each):
 * - One batch at a time per partition: the handler is never given a partition's next batch before
 *   its call for the previous one settled, or released it (HandlerContext.release, Kafka only).
 *   A rejected batch is redelivered after a back-off (exponential, capped at 30 s) that holds the
 *   whole consumer, so reject only on failures that hit every partition (a store being down) and
 *   dead-letter bad input instead.
 * - A handler that still resolves after `signal` aborted has done its work: that batch is committed.
 * - Delivery is at least once. On Kafka a rebalance can take a partition while a batch is in
 *   flight; its commit then fails and the new owner gets the batch again.
 * - Pattern subscriptions (`topics: RegExp`) pick up topics created later: the local bus at once,
 *   Kafka within its topic refresh interval (30 s). Such topics are read from their beginning.
 */

/** The redelivery back-off both adapters default to (see above); a transport's options may change it. */
export const REDELIVERY_BACKOFF: Backoff = { initialMs: 250, maxMs: 30_000 }

export type HeaderValue = Buffer
/** Kafka headers may repeat a key; repeated values are kept in order (the last is the latest). */
export type Headers = Record<string, HeaderValue | HeaderValue[]>

/** The local bus hands the same record objects to every group: treat them as read-only. */
export interface BusRecord {
  topic: string
  partition: number
  /** Offsets are 64-bit: kept as decimal strings, compared with BigInt. */
  offset: string
  key: Buffer | null
  value: Buffer | null
  headers: Headers
  /** Record timestamp, ms since the epoch. */
  timestamp: number
}

export interface BusBatch {
  topic: string
  partition: number
  records: BusRecord[]
  /** The partition's log end offset when the batch was fetched (for lag). */
  highWatermark: string
}

export interface HandlerContext {
  /** Aborted when the consumer stops: a handler retrying a failed write must give up then. */
  signal: AbortSignal
  /** Call during long work so the group does not consider this member dead. */
  heartbeat(): Promise<void>
  /**
   * The handler took the records into its own keeping and now only waits for them to become
   * durable: the transport may deliver this partition's next batch meanwhile (the Kafka adapter
   * does, one batch ahead; the in-process bus ignores it). Offsets are still committed only when
   * the call resolves, and in delivery order; if it rejects, no later batch of the partition is
   * committed and the partition is delivered again from this batch's first offset.
   */
  release?(): void
}

export type BatchHandler = (batch: BusBatch, ctx: HandlerContext) => Promise<void>

export interface ConsumerOptions {
  groupId: string
  topics: string[] | RegExp
  /** Where a group without committed offsets starts. Default: the beginning. */
  fromBeginning?: boolean
  /**
   * Deliveries of different partitions the handler may be given at once (never two of one
   * partition). Default 1.
   * With 2, one partition's records are decoded while another's insert is in flight.
   */
  partitionsInFlight?: number
}

export interface PartitionLag {
  topic: string
  partition: number
  /** Next offset to consume (committed), and the log end offset. */
  committed: string
  end: string
  lag: number
}

export interface BusConsumer {
  /** Starts delivering in the background (once per consumer); resolves when started (Kafka: the group joined). */
  run(handler: BatchHandler): Promise<void>
  pause(): void
  resume(): void
  isPaused(): boolean
  /**
   * Records in the log not yet committed by this group, per partition of the subscribed topics
   * (works before run() too). Without a commit yet, `committed` is where the group would start.
   */
  lag(): Promise<PartitionLag[]>
  stop(): Promise<void>
}

export interface OutgoingRecord {
  key?: Buffer | string | null
  value: Buffer | string | null
  headers?: Record<string, Buffer | string | (Buffer | string)[]>
  /** Omit to let the default partitioner place it by key (as live traffic for that key). */
  partition?: number
  timestamp?: number
}

export interface ProducedRecord {
  topic: string
  partition: number
  offset: string
}

export interface BusProducer {
  /**
   * Resolves when the bus acknowledged every record (acks=all on Kafka), with each record's place,
   * in the order given. Topics are never created implicitly: an unknown topic rejects (Kafka: after
   * its metadata retries, about 10 s). Once it resolved, the caller may reuse the buffers it passed.
   */
  send(topic: string, records: OutgoingRecord[]): Promise<ProducedRecord[]>
}

export interface PartitionEnd {
  partition: number
  /** The next offset to be written (Kafka's high watermark). */
  end: string
}

export interface PartitionOffset {
  partition: number
  offset: string
}

export interface TopicSpec {
  name: string
  partitions: number
  /**
   * Kafka's retention.ms for a topic this call creates (the broker default otherwise). Retention
   * counts from each record's timestamp, so a backfill of old history needs a longer one. The
   * in-process bus keeps records by size, not age, and ignores it.
   */
  retentionMs?: number
  /** Kafka's max.message.bytes for a topic this call creates (1 MiB by default); the in-process bus has no record limit. */
  maxMessageBytes?: number
}

export interface Transport {
  readonly kind: 'local' | 'kafka'
  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  ensureTopics(topics: TopicSpec[]): Promise<void>
  listTopics(): Promise<string[]>
  /** Every partition of the topic with its end offset; rejects for an unknown topic. */
  endOffsets(topic: string): Promise<PartitionEnd[]>
  /**
   * The records of one partition with offsets in [from, to), outside any consumer group (nothing
   * is committed). For look-ups of a known, short range, e.g. whether a send that was in flight
   * when a process died reached the log (the replay executor's crash recovery). Records dropped
   * by retention are simply absent.
   */
  readPartition(topic: string, partition: number, from: string, to: string): Promise<BusRecord[]>
  /**
   * How long the topic keeps records (its `retention.ms`); null when time does not bound it
   * (`-1` on Kafka, the in-process bus which bounds by count and size). The DLQ indexer warns
   * before dead letters expire with it.
   */
  topicRetentionMs(topic: string): Promise<number | null>
  /**
   * Where a consumer group that has committed nothing on `topic` starts when that should be a time
   * (a topic tap's `start: { timestamp }`): commits, per partition without a commit of the group,
   * the first offset whose record is at or after `timestamp` (ms; the log end where none is).
   * Partitions the group committed are left alone. Only for the caller's OWN group, while no
   * consumer of it runs. Returns what it committed.
   */
  startGroupAtTime(groupId: string, topic: string, timestamp: number): Promise<PartitionOffset[]>
  consumer(options: ConsumerOptions): BusConsumer
  producer(): Promise<BusProducer>
  /** Stops the consumers still running and releases the connections. */
  close(): Promise<void>
}
