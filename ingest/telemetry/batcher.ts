import type { BatchRange } from './checkpoints'
import type { HopEventInsert, HopPayloadInsert } from '../../server/clickhouse/tables/hop-events'

/**
 * The rows of ONE topic-partition on their way to ClickHouse: an open batch that collects rows,
 * and a queue of sealed batches written one at a time, in offset order, by `write` (which retries
 * until the write succeeds or the pipeline stops). pipeline.ts explains when batches are sealed and
 * why; this file only does it.
 */

/** ClickHouse refuses an insert touching more than 100 partitions (max_partitions_per_insert_block); tables are weekly. */
export const MAX_WEEKS_PER_BATCH = 90
/** Payload text held per batch before it is sealed: keeps memory bounded when payloads are large. */
export const MAX_BATCH_PAYLOAD_CHARS = 64 * 1024 * 1024

const DAY_MS = 86_400_000

/** Index of the UTC week starting Monday (ClickHouse `toMonday`): 1970-01-01 was a Thursday. */
export function weekOf(ms: number): number {
  return Math.floor((Math.floor(ms / DAY_MS) + 3) / 7)
}

export class Batch {
  readonly events: HopEventInsert[] = []
  readonly payloads: HopPayloadInsert[] = []
  readonly weeks = new Set<number>()
  payloadChars = 0
  newestMs = -Infinity
  /** Offset of the last row taken. */
  lastSeen: string
  /** Seal as soon as no earlier batch of the partition is being written. */
  sealWhenIdle = false
  /** Sealed while its partition was caught up: a trickle, paced by the coalescer (coalescer.ts); else due at once. */
  trickle = false
  timer: NodeJS.Timeout | undefined
  readonly done: Promise<void>
  resolve!: () => void
  reject!: (error: unknown) => void

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** Offsets of the range: the rows' own, or a recorded range being rebuilt (`fixed`). */
    public first: string,
    public last: string,
    readonly fixed: boolean,
    /** Highest offset this batch may take (a recorded range ends or starts there), null = any. */
    readonly limit: bigint | null,
  ) {
    this.lastSeen = first
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    // Awaited by the handlers whose records it holds; an abandoned batch may have none left.
    this.done.catch(() => undefined)
  }

  /** insert_deduplication_token: the same range always gets the same token (CLICKHOUSE.md). */
  get token(): string {
    return `${this.topic}:${this.partition}:${this.first}-${this.last}`
  }

  get range(): BatchRange {
    return { first: BigInt(this.first), last: BigInt(this.last) }
  }
}

/** One hop event's rows, with the times the batch bookkeeping needs. */
export interface BatchRow {
  row: HopEventInsert
  payload?: HopPayloadInsert
  originMs: number
  occurredMs: number
}

/** Weeks the rows would add to the batch (one record's rows rarely span more than one). */
function newWeeks(b: Batch, rows: readonly BatchRow[]): number {
  if (rows.length === 1) return b.weeks.has(weekOf(rows[0]!.originMs)) ? 0 : 1
  const weeks = new Set<number>()
  for (const r of rows) {
    const w = weekOf(r.originMs)
    if (!b.weeks.has(w)) weeks.add(w)
  }
  return weeks.size
}

export interface BatcherOptions {
  topic: string
  partition: number
  maxRows: number
  flushMs: number
  /** Recorded ranges the committed offset has not passed (checkpoints.ts), oldest first. */
  ranges: BatchRange[]
  /** The committed offset: where delivery of this partition starts. */
  committed: bigint
  /** Writes one batch durably; rejects only when the pipeline stops. */
  write(batch: Batch): Promise<void>
}

export class PartitionBatcher {
  private open: Batch | undefined
  private readonly queue: Batch[] = []
  private writing: Promise<void> | undefined
  /** Rows at offsets up to here are already written (a range the committed offset cut through). */
  private skipThrough: bigint | undefined
  /** Recorded ranges still to rebuild. */
  private readonly replay: BatchRange[]
  /** Recovery needs offset arithmetic; normal operation does not parse offsets at all. */
  private recovering: boolean
  private stopped = false
  private lastSealAt = 0
  /** Offset of the last record this batcher was shown (rows or not). */
  lastOffset: bigint

  constructor(private readonly opts: BatcherOptions) {
    this.lastOffset = opts.committed - 1n
    const ranges = opts.ranges.filter((r) => r.last >= opts.committed)
    // Committing past a range's first offset means the handler holding it resolved, which it does
    // only after the range's insert was acknowledged: the rest of that range is written.
    const cut = ranges.find((r) => r.first < opts.committed)
    if (cut) this.skipThrough = cut.last
    this.replay = ranges.filter((r) => r.first >= opts.committed)
    this.recovering = this.skipThrough !== undefined || this.replay.length > 0
  }

  /**
   * Adds the rows of one record (an OTLP request holds many); returns the batch that holds them,
   * or undefined when they are already written. A record's rows never straddle two batches: a
   * range's token and its recorded offsets must cover whole records.
   */
  add(offset: string, rows: readonly BatchRow[]): Batch | undefined {
    let o: bigint | undefined
    let b = this.open
    if (this.recovering) {
      o = BigInt(offset)
      if (this.skipThrough !== undefined) {
        if (o <= this.skipThrough) return undefined
        this.skipThrough = undefined
      }
      if (b && b.limit !== null && o > b.limit) b = this.seal(b)
    }
    if (b && !b.fixed && newWeeks(b, rows) + b.weeks.size > MAX_WEEKS_PER_BATCH) b = this.seal(b)
    b ??= this.openAt(offset, o)

    for (const { row, payload, originMs, occurredMs } of rows) {
      b.events.push(row)
      if (payload) {
        b.payloads.push(payload)
        b.payloadChars += payload.payload.length
      }
      b.weeks.add(weekOf(originMs))
      if (occurredMs > b.newestMs) b.newestMs = occurredMs
    }
    b.lastSeen = offset
    if (!b.fixed) b.last = offset

    if (b.limit !== null && o !== undefined && o >= b.limit) this.seal(b)
    else if (!b.fixed && (b.events.length >= this.opts.maxRows || b.payloadChars >= MAX_BATCH_PAYLOAD_CHARS)) this.seal(b)
    this.recovering = this.skipThrough !== undefined || this.replay.length > 0 || (this.open !== undefined && this.open.limit !== null)
    return b
  }

  /** Every record of a delivery was shown; `caughtUp`: it reached the partition's end. */
  endOfDelivery(lastOffset: string, caughtUp: boolean): void {
    this.lastOffset = BigInt(lastOffset)
    const b = this.open
    if (!b) return
    if (!caughtUp) {
      b.trickle = false
      // Behind: the rest is already in the log and comes as the next delivery, decoded while this
      // batch is inserted (the handler releases its delivery): lingering would gain nothing.
      if (this.writing) b.sealWhenIdle = true
      else this.seal(b)
      return
    }
    // Caught up: more rows only come as producers write them. Insert at most once per flushMs
    // (no row waits longer than that), so a trickle of tiny deliveries becomes one insert.
    b.trickle = true
    const wait = this.lastSealAt + this.opts.flushMs - Date.now()
    if (wait <= 0) this.seal(b)
    else
      b.timer ??= setTimeout(() => {
        if (this.open === b) this.seal(b)
      }, wait)
  }

  /** Stop: nothing more is written; batches not yet written fail (their offsets stay uncommitted). */
  abandon(error: unknown): void {
    this.stopped = true
    const open = this.open
    this.open = undefined
    for (const b of [...this.queue.splice(0), ...(open ? [open] : [])]) {
      clearTimeout(b.timer)
      b.reject(error)
    }
  }

  /** No rows held: nothing open, queued or being written. */
  isIdle(): boolean {
    return this.open === undefined && this.queue.length === 0 && this.writing === undefined
  }

  /** Settles when no write of this batcher is running. */
  async idle(): Promise<void> {
    await this.writing?.catch(() => undefined)
  }

  private openAt(offset: string, o: bigint | undefined): Batch {
    const { topic, partition } = this.opts
    let b: Batch
    if (o === undefined) {
      b = new Batch(topic, partition, offset, offset, false, null)
    } else {
      while (this.replay[0] && this.replay[0].last < o) this.replay.shift()
      const r = this.replay[0]
      if (r && r.first <= o) {
        // Rebuild a recorded range exactly: its rows, its token, whatever batch sizes are now.
        this.replay.shift()
        b = new Batch(topic, partition, r.first.toString(), r.last.toString(), true, r.last)
      } else {
        b = new Batch(topic, partition, offset, offset, false, r ? r.first - 1n : null)
      }
    }
    this.open = b
    return b
  }

  /** Closes `b` for new rows and queues it for writing; returns undefined (no open batch). */
  private seal(b: Batch): undefined {
    clearTimeout(b.timer)
    if (this.open === b) this.open = undefined
    this.lastSealAt = Date.now()
    if (b.fixed && BigInt(b.lastSeen) < b.limit!) {
      // A recorded range cut short (the transport delivers in other chunks now): its rows keep the
      // range's token, so a copy that landed before the crash still drops them; the rest of the
      // range becomes a range of its own.
      this.replay.unshift({ first: BigInt(b.lastSeen) + 1n, last: b.limit! })
      this.recovering = true
    }
    this.queue.push(b)
    this.writing ??= this.drain()
    return undefined
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const b = this.queue[0]!
        try {
          await this.opts.write(b)
        } catch (error) {
          this.abandon(error)
          return
        }
        this.queue.shift()
        b.resolve()
        if (this.queue.length === 0 && this.open?.sealWhenIdle) this.seal(this.open)
      }
    } finally {
      this.writing = undefined
    }
  }
}
