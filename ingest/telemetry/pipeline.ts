import type { BatchHandler, BusBatch, BusConsumer, BusProducer, HandlerContext, TopicSpec, Transport } from '../../server/bus/port'
import { drainConsumer } from '../../server/bus/drain'
import type { ClickHouse } from '../../server/clickhouse/client'
import type { Config } from '../../server/config'
import type { PrismaClient } from '../../server/db/client'
import type { Logger } from '../../server/logger'
import { type Backoff, retry, StoppedError } from '../../server/retry'
import { type Batch, PartitionBatcher } from './batcher'
import { PartitionBatchers } from './partition-batchers'
import { CheckpointStore } from './checkpoints'
import { batchStored, coalescerOptions, InsertCoalescer, insertBoth } from './coalescer'
import { Deliveries } from './deliveries'
import { decodeDelivery, type DecodeParts } from './delivery-rows'
import { ingestMetrics } from './metrics'
import { OriginCache } from './origin-cache'
import { settle } from './settle'
import { telemetrySource, type RecordSource, type TappedTopics } from './source'

/**
 * Telemetry ingest: TELEMETRY_TOPIC → decode, validate, normalise → hop_events + hop_payloads;
 * invalid records → TELEMETRY_DLQ_TOPIC. Two promises drive the design:
 *
 * 1. NOTHING IS COMMITTED BEFORE IT IS DURABLE. The transport commits a delivery's offsets when
 *    the handler resolves, so a handler resolves only when (a) every ClickHouse batch holding one
 *    of its rows is acknowledged, (b) its invalid records are acknowledged by the DLQ topic and
 *    (c) plants first seen in it are registered in Postgres. Failures are retried with capped
 *    backoff while consumption is paused and the handler heartbeats; the handler rejects only
 *    when the consumer stops (ctx.signal), so nothing unwritten is ever committed.
 *
 * 2. A BATCH RETRIED AFTER A CRASH IS THE SAME BATCH. Rows are batched per topic-partition and
 *    inserted with insert_deduplication_token `{topic}:{partition}:{first}-{last}`. Batch
 *    boundaries depend on timing (flush timer, delivery sizes), which a restart does not
 *    reproduce, so each batch's offset range is recorded in Postgres (ingest_checkpoints) BEFORE
 *    its insert, and deleted once the group's committed offset passed it. After a restart the
 *    partition is delivered again from the committed offset C, and the recorded ranges say what
 *    may have been inserted without being committed:
 *      - a range with first < C <= last was acknowledged (C moved past its first offset only
 *        because the handler holding those rows resolved): its remaining rows are skipped;
 *      - ranges with first >= C are rebuilt EXACTLY, whatever the batch settings or delivery
 *        sizes are now, and inserted with their old token: ClickHouse drops what already landed
 *        (materialized views included), inserts what did not.
 *    Several ranges can be pending at once (a delivery's rows may span batches), hence a row per
 *    range rather than one per partition. Limits: a recorded range that now arrives in a smaller
 *    delivery than before cannot be completed before that delivery's handler resolves; its first
 *    part keeps the token, the rest becomes a range of its own and may land twice (absorbed like
 *    any re-send: ReplacingMergeTree, distinct-count rollups). Invalid records of a redelivered range are
 *    dead-lettered again (the DLQ is at-least-once; its records name their original offset).
 *
 * When batches are sealed, and how deliveries overlap: README.md "Batches".
 */

export interface TelemetryPipelineOptions {
  /** Default: TELEMETRY_TOPIC in the ingest group, hop events as EVENT-MODEL.md puts them on the wire. */
  source?: RecordSource
  transport: Transport
  clickhouse: ClickHouse
  prisma: PrismaClient
  config: Config
  logger: Logger
  /** How often consumer lag is read (metrics, status, checkpoint pruning). Default 5 s. */
  lagRefreshMs?: number
  /** Retry delays of failed writes. Default WRITE_BACKOFF. */
  backoff?: Backoff
  /** Transactions remembered for filling a missing origin_time. Default 200k. */
  originCacheSize?: number
  /** Shared by pipelines whose hops join the same transactions (taps of one plant's topics). */
  origins?: OriginCache
  /** Writes batches; shared by the process's pipelines so theirs share inserts. Default: the pipeline's own. */
  coalescer?: InsertCoalescer
}

export interface TelemetryPipelineStatus {
  status: 'ok' | 'behind' | 'stalled' | 'stopped' | 'starting'
  /** Records in the topic not yet committed by the group, as of the last lag refresh. */
  lag: number
  /** hop_events rows acknowledged by ClickHouse since start. */
  written: number
  /** Records sent to the dead-letter topic since start. */
  invalid: number
  /** Deliveries decoded whose rows are not all written yet (deliveries.ts). */
  pending: number
  /** Of those, deliveries decoded while an earlier one of their partition was still being written. */
  ahead: number
  /** occurred_at of the newest hop event written (RFC 3339), null before the first write. */
  newestEventTime: string | null
  lastError?: string
}

export interface TelemetryPipeline {
  start(): Promise<void>
  /** Waits until everything on the topic is written and committed (or `timeoutMs`); the records left. */
  drain(timeoutMs: number): Promise<number>
  stop(): Promise<void>
  status(): TelemetryPipelineStatus
}

/** Lag above which the status says `behind` (matches the console's amber threshold). */
const BEHIND_LAG = 10_000
/**
 * The pipeline never skips a write it cannot make (that would commit offsets of unwritten
 * records): it retries, 0.5 s doubling to 30 s, until the store is back or the pipeline stops.
 */
const WRITE_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 }

export function createTelemetryPipeline(options: TelemetryPipelineOptions): TelemetryPipeline {
  return new Pipeline(options)
}

class Pipeline implements TelemetryPipeline {
  private readonly log: Logger
  private readonly source: RecordSource
  private readonly topic: string
  private readonly tapped: TappedTopics | undefined
  private readonly dlqTopic: string
  private readonly groupId: string
  private readonly checkpoints: CheckpointStore
  private readonly origins: OriginCache
  private readonly m = ingestMetrics()
  private readonly abort = new AbortController()
  private readonly batchers: PartitionBatchers
  private readonly coalescer: InsertCoalescer
  private readonly knownPlants = new Set<string>()
  /** Committed offset up to which checkpoints were pruned, per partition. */
  private readonly pruned = new Map<string, bigint>()
  private state: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' = 'idle'
  private consumer: BusConsumer | undefined
  private producer: BusProducer | undefined
  private lagTimer: NodeJS.Timeout | undefined
  private lagRefresh: Promise<void> | undefined
  /** Operations currently failing and being retried: consumption is paused while any is. */
  private failing = 0
  private runError: unknown
  private lag = 0
  private written = 0
  private invalid = 0
  private readonly deliveries = new Deliveries()
  private readonly decodeParts: DecodeParts
  private newestMs = -Infinity
  private lastError: string | undefined

  constructor(private readonly opts: TelemetryPipelineOptions) {
    const env = opts.config.env
    this.source = opts.source ?? telemetrySource(opts.config)
    this.log = opts.logger.child({ module: `ingest.${this.source.name}` })
    this.topic = this.source.topic.name
    this.tapped = 'subscribe' in this.source.topic ? this.source.topic : undefined
    this.dlqTopic = env.TELEMETRY_DLQ_TOPIC
    const subscribe = this.tapped?.subscribe
    if (subscribe && (Array.isArray(subscribe) ? subscribe.includes(this.dlqTopic) : subscribe.test(this.dlqTopic)))
      throw new Error(`${this.source.name}: a tap cannot read ${this.dlqTopic}, the topic its failures go to`)
    this.groupId = this.source.groupId
    this.checkpoints = new CheckpointStore(opts.prisma, this.groupId)
    this.origins = opts.origins ?? new OriginCache(opts.originCacheSize)
    this.coalescer = opts.coalescer ?? new InsertCoalescer(opts.clickhouse, coalescerOptions(opts))
    this.batchers = new PartitionBatchers(this.log, (batch, first, signal) => this.openBatcher(batch, first, signal))
    this.decodeParts = { source: this.source, origins: this.origins, knownPlants: this.knownPlants, metrics: this.m, log: this.log }
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`The telemetry pipeline cannot start: it is ${this.state}`)
    this.state = 'starting'
    const { transport, prisma, config } = this.opts
    const partitions = config.env.TELEMETRY_PARTITIONS
    const tapped = this.tapped
    try {
      // A tapped topic is someone else's: only the DLQ is ours to create.
      await transport.ensureTopics([...(tapped ? [] : [this.source.topic as TopicSpec]), { name: this.dlqTopic, partitions }])
      this.producer = await transport.producer()
      for (const p of await prisma.plant.findMany({ select: { code: true } })) this.knownPlants.add(p.code)
    } catch (error) {
      // Nothing runs yet: the caller may try start() again.
      if (this.state === 'starting') this.state = 'idle'
      throw error
    }
    if (this.state !== 'starting') return // stopped while starting

    const consumer = transport.consumer({
      groupId: this.groupId,
      topics: tapped?.subscribe ?? [this.topic],
      fromBeginning: tapped?.fromBeginning ?? true,
      partitionsInFlight: config.env.INGEST_PARTITIONS_IN_FLIGHT,
    })
    this.consumer = consumer
    const handler: BatchHandler = (batch, ctx) => this.handle(batch, ctx)
    consumer.run(handler).catch((error: unknown) => {
      if (this.abort.signal.aborted) return
      this.runError = error
      this.noteError('consumer', error)
    })
    // Read at once, not after the first interval: a tap's lag of 0 lets the other taps' hops go on (taps/origin-gate.ts).
    void this.refreshLag()
    this.lagTimer = setInterval(() => void this.refreshLag(), this.opts.lagRefreshMs ?? 5_000)
    this.state = 'running'
    this.log.info(
      { topic: this.topic, dlqTopic: this.dlqTopic, groupId: this.groupId, maxRows: config.env.INGEST_BATCH_MAX_ROWS, flushMs: config.env.INGEST_FLUSH_MS },
      `${this.source.name} ingest started`,
    )
  }

  async drain(timeoutMs: number): Promise<number> {
    return this.consumer && this.state === 'running' ? drainConsumer(this.consumer, timeoutMs) : 0
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return
    const wasStarted = this.state !== 'idle'
    this.state = 'stopping'
    // Retries give up, new deliveries are refused; the consumer aborts in-flight handlers and
    // commits nothing they did not resolve. Open batches are abandoned, never half-committed.
    this.abort.abort()
    clearInterval(this.lagTimer)
    const consumerStopped = this.consumer?.stop()
    const batchers = await this.batchers.abandonAll(new StoppedError('telemetry batch'))
    await consumerStopped
    await Promise.all(batchers.map((b) => b.idle()))
    await this.lagRefresh
    this.state = 'stopped'
    if (wasStarted) this.log.info({ written: this.written, invalid: this.invalid }, `${this.source.name} ingest stopped`)
  }

  status(): TelemetryPipelineStatus {
    const s: TelemetryPipelineStatus = {
      status: 'ok',
      lag: this.lag,
      written: this.written,
      invalid: this.invalid,
      pending: this.deliveries.pending,
      ahead: this.deliveries.ahead,
      newestEventTime: this.newestMs === -Infinity ? null : new Date(this.newestMs).toISOString(),
    }
    if (this.lastError !== undefined) s.lastError = this.lastError
    if (this.state === 'stopped' || this.state === 'stopping') s.status = 'stopped'
    else if (this.state !== 'running') s.status = 'starting'
    else if (this.failing > 0 || this.runError !== undefined) s.status = 'stalled'
    else if (this.lag >= BEHIND_LAG) s.status = 'behind'
    return s
  }

  /** One delivery of one partition; resolves (→ commit) only once all of it is durable. */
  private async handle(batch: BusBatch, ctx: HandlerContext): Promise<void> {
    const records = batch.records
    if (records.length === 0) return
    const signal = AbortSignal.any([this.abort.signal, ctx.signal])
    if (signal.aborted) throw new StoppedError('telemetry delivery')
    this.m.consumed.inc(records.length)

    const batcher = await this.batchers.for(batch, signal)
    await this.source.prepare?.(records)
    const endTurn = await this.deliveries.decodeTurn()
    const { waits, dlq, newPlants, pendingWrite } = await decodeDelivery(this.decodeParts, batch, batcher).finally(endTurn)
    if (dlq.length > 0) {
      this.invalid += dlq.length
      waits.push(this.withRetry('dlq', () => this.producer!.send(this.dlqTopic, dlq), signal).then(() => undefined))
    }
    if (newPlants) waits.push(this.registerPlants([...newPlants], signal))
    if (pendingWrite) waits.push(this.withRetry('clickhouse', () => pendingWrite(this.opts.clickhouse), signal))
    // Everything is queued; only the writes remain: the transport may hand over this partition's
    // next delivery, to be decoded while these rows are inserted (its commit still waits for ours).
    ctx.release?.()
    await this.deliveries.waiting(`${batch.topic}:${batch.partition}`, () => settle(waits, ctx, signal))
  }

  /** A new batcher for the partition, its recorded ranges loaded (see PartitionBatchers). */
  private async openBatcher(batch: BusBatch, first: bigint, signal: AbortSignal): Promise<PartitionBatcher> {
    const ranges = await this.withRetry('checkpoint', () => this.checkpoints.load(batch.topic, batch.partition, first), signal)
    if (ranges.length > 0)
      this.log.info({ topic: batch.topic, partition: batch.partition, committed: String(first), ranges: ranges.map((r) => `${r.first}-${r.last}`) }, 'rebuilding recorded batches')
    return new PartitionBatcher({
      topic: batch.topic,
      partition: batch.partition,
      maxRows: this.opts.config.env.INGEST_BATCH_MAX_ROWS,
      flushMs: this.opts.config.env.INGEST_FLUSH_MS,
      ranges,
      committed: first,
      write: (b) => this.writeBatch(b),
    })
  }

  /**
   * Record the range, then insert both tables under one token; retried until done or stopped. A
   * batch's first attempt shares an insert with the other batches waiting in the process
   * (coalescer.ts), which records their ranges together first; its retries, and a recorded range
   * being rebuilt, go alone under the range's token.
   */
  private async writeBatch(b: Batch): Promise<void> {
    const range = b.range
    // The combined insert records the range itself, with the other batches' (coalescer.ts).
    let stored = false
    if (!b.fixed)
      stored = await this.coalescer.write(b, this.checkpoints.row(b.topic, b.partition, range)).then(
        () => true,
        (error: unknown) => (this.noteError('clickhouse', error, { combined: true }), false),
      )
    if (!stored) {
      await this.withRetry('checkpoint', () => this.checkpoints.record(b.topic, b.partition, range), this.abort.signal)
      await this.withRetry(
        'clickhouse',
        async () => {
          // A recorded range found whole in both tables was written before a restart (perhaps in a
          // combined insert, whose token is not the range's): not inserted again.
          if (b.fixed && (await batchStored(this.opts.clickhouse, b))) return
          return insertBoth(this.opts.clickhouse, b, b.token)
        },
        this.abort.signal,
      )
    }
    this.written += b.events.length
    this.m.written.inc({ table: 'hop_events' }, b.events.length)
    if (b.payloads.length > 0) this.m.written.inc({ table: 'hop_payloads' }, b.payloads.length)
    this.m.batchRows.observe(b.events.length)
    if (b.newestMs > this.newestMs) {
      this.newestMs = b.newestMs
      this.m.newestEventTime.set(b.newestMs / 1000)
    }
  }

  private async registerPlants(codes: string[], signal: AbortSignal): Promise<void> {
    await this.withRetry(
      'plants',
      () =>
        this.opts.prisma.plant.createMany({
          data: codes.map((code) => ({ code, name: `Plant ${code}`, timeZone: 'UTC', shiftCalendar: [], discovered: true })),
          skipDuplicates: true,
        }),
      signal,
    )
    for (const code of codes) this.knownPlants.add(code)
    this.log.info({ plants: codes }, 'plants registered from telemetry')
  }

  /** Retries `fn`; while it fails, consumption is paused (other partitions would fail the same way). */
  private async withRetry<T>(stage: string, fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
    let failed = false
    try {
      return await retry(stage, fn, {
        signal,
        backoff: this.opts.backoff ?? WRITE_BACKOFF,
        onError: (error, attempt, delayMs) => {
          this.noteError(stage, error, { attempt, retryInMs: delayMs })
          if (!failed) {
            failed = true
            if (this.failing++ === 0) this.consumer?.pause()
          }
        },
      })
    } finally {
      if (failed && --this.failing === 0 && !this.abort.signal.aborted) {
        this.consumer?.resume()
        this.log.info({ stage }, 'telemetry ingest recovered')
      }
    }
  }

  private noteError(stage: string, error: unknown, extra: object = {}): void {
    const message = error instanceof Error ? error.message : String(error)
    this.lastError = `${stage}: ${message}`
    this.m.errors.inc({ stage })
    this.log.warn({ stage, err: error, ...extra }, `telemetry ingest: ${stage} failed`)
  }

  /** Lag for metrics and status; committed offsets also let recorded ranges be forgotten. */
  private refreshLag(): Promise<void> {
    if (this.lagRefresh || !this.consumer) return this.lagRefresh ?? Promise.resolve()
    const consumer = this.consumer
    this.lagRefresh = (async () => {
      try {
        let total = 0
        const advanced: { topic: string; partition: number; committed: bigint }[] = []
        for (const p of await consumer.lag()) {
          total += p.lag
          this.m.lag.set({ topic: p.topic, partition: String(p.partition) }, p.lag)
          const committed = BigInt(p.committed)
          if (committed > (this.pruned.get(`${p.topic}:${p.partition}`) ?? 0n)) advanced.push({ topic: p.topic, partition: p.partition, committed })
        }
        await this.checkpoints.prune(advanced)
        for (const a of advanced) this.pruned.set(`${a.topic}:${a.partition}`, a.committed)
        this.lag = total
      } catch (error) {
        this.log.debug({ err: error }, 'reading consumer lag failed')
      } finally {
        this.lagRefresh = undefined
      }
    })()
    return this.lagRefresh
  }
}
