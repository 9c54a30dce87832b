import { randomUUID } from 'node:crypto'
import type { ClickHouse } from '../../server/clickhouse/client'
import type { Config } from '../../server/config'
import type { PrismaClient } from '../../server/db/client'
import { chInsert, chQuery } from '../../server/clickhouse/exec'
import type { HopEventInsert, HopPayloadInsert } from '../../server/clickhouse/tables/hop-events'
import { MAX_BATCH_PAYLOAD_CHARS, MAX_WEEKS_PER_BATCH } from './batcher'
import { recordCheckpoints, type CheckpointRow } from './checkpoints'
import { ingestMetrics } from './metrics'

/**
 * The batches of every pipeline in the process written as combined inserts (group commit). A chDB
 * insert costs about 100 ms of CPU whatever its size (a part per table and per materialized view:
 * ~140 files created, and the merges of those parts later), so rows are worth more per insert:
 * - a demo nobody looks at, with its telemetry, OTLP and tap pipelines each inserting a few rows per
 *   second, spent most of a core on part creation (issue #22, bench suite `idle`);
 * - a backlog of six partitions sealed a batch per delivery (~12k rows at 8 MiB fetched per
 *   partition), and inserts of that size take ~30 % more engine time per row than ~50k-row ones
 *   (bench suite `ingest`, phase (b) with BENCH_INSERT_BATCH).
 *
 * Pacing depends on what waits:
 * - Trickles (sealed while their partition was caught up, README.md "Batches") follow the batcher's
 *   rule applied to the whole process: an insert at once if the previous one began `intervalMs` ago
 *   or more, else when that much time has passed; while one runs, they wait for the next. So N
 *   pipelines' trickles cost one insert per interval instead of N. Under QUIET_ROWS rows waiting (a
 *   few dozen events a second: the demo, a quiet shift), the interval is QUIET_FACTOR times longer
 *   (3 s at the default 500 ms): such rows are seen a few seconds later, and the idle demo spends a
 *   sixth of the inserts' CPU. From QUIET_ROWS on the interval is `intervalMs` again.
 * - A backlog batch (sealed behind: more of its partition is already in the log) is due at once:
 *   an insert starts as soon as none runs, with every batch waiting up to `maxRows` (trickles
 *   included). The batches sealed while the engine writes one make the next: under load, inserts
 *   grow by themselves to what accumulates during one. One at a time: a second insert beside the
 *   first (recorded and serialised while the engine wrote) made smaller inserts and cost more CPU
 *   per event than the overlap saved (bench suite `ingest`, full pipeline, six alternated rounds:
 *   48.7-52.9 against 51.5-68.5 µs per event; 31.8k-34.8k against 26.0k-33.0k events/s).
 * Recorded ranges being rebuilt after a restart (`fixed`) never come here: the pipeline inserts each
 * alone under its range's token.
 *
 * The batches' ranges are recorded (checkpoints.ts) in one statement right before the combined
 * insert, as a pipeline records a batch's range before inserting it alone; a failure to record
 * fails every batch, and nothing is inserted.
 *
 * A combined insert has a token of its own, not the batches' range tokens, so a range rebuilt
 * after a restart (pipeline.ts) would not be dropped by its token if the combined insert landed
 * before the crash: the pipeline first asks whether the range's rows are all stored already
 * (`batchStored`) and then writes nothing. A failed combined insert fails every batch in it; each
 * pipeline then retries its own batch alone under its own token, so a batch the engine refuses can
 * stall only its own partition. Should one table of a failed combined insert have landed, the
 * retry adds its rows a second time, absorbed like any re-send (hop_events is a
 * ReplacingMergeTree read with LIMIT 1 BY event_id; every rollup is keyed by event_id: uniqExact,
 * argMax, min/max).
 */

export interface CoalescedBatch {
  readonly events: readonly HopEventInsert[]
  readonly payloads: readonly HopPayloadInsert[]
  readonly weeks: ReadonlySet<number>
  readonly payloadChars: number
  /** Sealed while its partition was caught up: paced (see above); else due at once. */
  readonly trickle: boolean
}

export interface CoalescerOptions {
  /** Least time between two inserts' starts (INGEST_FLUSH_MS). */
  intervalMs: number
  /** Most hop events in one insert (INGEST_BATCH_MAX_ROWS). */
  maxRows: number
  /** Records ranges durably (checkpoints.ts recordCheckpoints, in the worker). */
  recordRanges(rows: readonly CheckpointRow[]): Promise<void>
}

/** The worker's coalescer: INGEST_FLUSH_MS, INGEST_BATCH_MAX_ROWS, ranges recorded in Postgres. */
export function coalescerOptions(deps: { config: Config; prisma: PrismaClient }): CoalescerOptions {
  const env = deps.config.env
  return { intervalMs: env.INGEST_FLUSH_MS, maxRows: env.INGEST_BATCH_MAX_ROWS, recordRanges: (rows) => recordCheckpoints(deps.prisma, rows) }
}

export const QUIET_ROWS = 1_000
export const QUIET_FACTOR = 6

interface Waiting {
  batch: CoalescedBatch
  checkpoint: CheckpointRow
  resolve(): void
  reject(error: unknown): void
}

export class InsertCoalescer {
  private waiting: Waiting[] = []
  /** Hop events in `waiting`. */
  private rows = 0
  /** Batches in `waiting` that are not trickles (due at once). */
  private backlog = 0
  /** Cancels the armed flush (a timer, or an immediate when the insert is due at once). */
  private cancelFlush: (() => void) | undefined
  private timerAt = Infinity
  /** A combined insert is running (recording its ranges, serialising, or in the engine). */
  private running = false
  private lastStart = -Infinity
  private seq = 0
  /** Tokens unique to this process's combined inserts: never equal to a range token or each other. */
  private readonly prefix = `coalesced:${randomUUID()}`
  private readonly m = ingestMetrics()

  constructor(
    private readonly clickhouse: ClickHouse,
    private readonly opts: CoalescerOptions,
  ) {}

  /** Resolves once the range is recorded and the batch's rows are in both tables; rejects if either failed. */
  write(batch: CoalescedBatch, checkpoint: CheckpointRow): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ batch, checkpoint, resolve, reject })
      this.rows += batch.events.length
      if (!batch.trickle) this.backlog++
      this.schedule()
    })
  }

  /** (Re)arms the timer for the next insert; more rows waiting may bring it forward. */
  private schedule(): void {
    if (this.waiting.length === 0 || this.running) return
    const at = this.backlog > 0 ? -Infinity : this.lastStart + this.opts.intervalMs * (this.rows >= QUIET_ROWS ? 1 : QUIET_FACTOR)
    if (this.cancelFlush && at >= this.timerAt) return
    this.cancelFlush?.()
    this.timerAt = at
    // Never within write() itself: batches sealed in the same turn (a delivery's, or several
    // pipelines' timers firing together) share the insert. When it is due at once, it starts in the
    // next turn, before the next delivery is decoded (the pipeline decodes one per turn): so it
    // runs while that delivery is decoded instead of after it.
    const delay = at - performance.now()
    if (delay <= 0) {
      const immediate = setImmediate(() => void this.flush())
      this.cancelFlush = () => clearImmediate(immediate)
    } else {
      const timer = setTimeout(() => void this.flush(), delay)
      this.cancelFlush = () => clearTimeout(timer)
    }
  }

  private async flush(): Promise<void> {
    this.cancelFlush = undefined
    this.timerAt = Infinity
    this.running = true
    this.lastStart = performance.now()
    const taken = this.take()
    // Batches that did not fit were ready in time: the next insert starts right after this one.
    const full = this.waiting.length > 0
    try {
      await this.opts.recordRanges(taken.map((w) => w.checkpoint))
      await this.insert(taken.map((w) => w.batch))
      for (const w of taken) w.resolve()
    } catch (error) {
      for (const w of taken) w.reject(error)
    } finally {
      this.running = false
    }
    if (full) this.lastStart = -Infinity
    this.schedule()
  }

  /** The oldest batches that fit one insert (at least one): rows, weeks (partitions) and payload text bounded as a batch's. */
  private take(): Waiting[] {
    let rows = 0
    let chars = 0
    const weeks = new Set<number>()
    let n = 0
    for (const w of this.waiting) {
      const b = w.batch
      const newWeeks = [...b.weeks].filter((x) => !weeks.has(x))
      if (n > 0 && (rows + b.events.length > this.opts.maxRows || chars + b.payloadChars > MAX_BATCH_PAYLOAD_CHARS || weeks.size + newWeeks.length > MAX_WEEKS_PER_BATCH)) break
      rows += b.events.length
      chars += b.payloadChars
      for (const x of newWeeks) weeks.add(x)
      n++
    }
    const taken = this.waiting.splice(0, n)
    for (const w of taken) {
      this.rows -= w.batch.events.length
      if (!w.batch.trickle) this.backlog--
    }
    return taken
  }

  private async insert(batches: CoalescedBatch[]): Promise<void> {
    const rows = batches.length === 1 ? batches[0]! : { events: batches.flatMap((b) => b.events), payloads: batches.flatMap((b) => b.payloads) }
    await insertBoth(this.clickhouse, rows, `${this.prefix}:${this.seq++}`)
    this.m.coalescedBatches.observe(batches.length)
  }
}

/**
 * A batch's rows into hop_events and hop_payloads at once (measured ~35% faster on chDB than one
 * after the other), under the same token: tokens are per table, and a retry after one of them
 * landed is dropped there. It settles only when both did, so a retry never races the other
 * table's insert.
 */
export async function insertBoth(clickhouse: ClickHouse, rows: Pick<CoalescedBatch, 'events' | 'payloads'>, dedupToken: string): Promise<void> {
  const m = ingestMetrics()
  const timed = async (table: 'hop_events' | 'hop_payloads', tableRows: readonly object[]) => {
    const t0 = performance.now()
    await chInsert(clickhouse, { table, rows: tableRows, dedupToken })
    m.insertSeconds.observe({ table }, (performance.now() - t0) / 1000)
  }
  const results = await Promise.allSettled([timed('hop_events', rows.events), rows.payloads.length > 0 ? timed('hop_payloads', rows.payloads) : undefined])
  for (const r of results) if (r.status === 'rejected') throw r.reason
}

/**
 * Whether every hop event of the batch is in hop_events and every payload in hop_payloads (read
 * by the sorting key's correlation ids, so a few granules, not the table).
 */
export async function batchStored(clickhouse: ClickHouse, rows: Pick<CoalescedBatch, 'events' | 'payloads'>): Promise<boolean> {
  const stored = async (table: 'hop_events' | 'hop_payloads', of: readonly { correlation_id: string; event_id: string }[]) => {
    const ids = new Set(of.map((r) => r.event_id))
    if (ids.size === 0) return true
    const r = await chQuery<{ n: number | string }>(clickhouse, {
      name: `ingest.batchStored.${table}`,
      sql: `SELECT uniqExact(event_id) AS n FROM ${clickhouse.database}.${table} WHERE correlation_id IN {cids:Array(String)} AND event_id IN {ids:Array(String)}`,
      params: { cids: [...new Set(of.map((x) => x.correlation_id))], ids: [...ids] },
    })
    return Number(r.rows[0]?.n ?? 0) === ids.size
  }
  return (await stored('hop_events', rows.events)) && (await stored('hop_payloads', rows.payloads))
}
