import type { ChdbExtension } from 'chdb/connection'
import type { ClickHouse } from '../../server/clickhouse/client'
import { chQuery } from '../../server/clickhouse/exec'
import { sleep } from '../../server/retry'
import { percentile } from '../percentile'
import { PRODUCED_MS_ATTRIBUTE } from './events'
import { peakRssMiB } from '../usage'
import { benchPipeline, type WorkflowStore } from './phase'

/**
 * The child side of the freshness phase (freshness.ts drives it): the telemetry pipeline consumes a
 * topic while the parent produces to it, and each row's produce → visible time is measured.
 *
 * "Visible" is the acknowledgement of the hop_events insert that holds the row: chDB's insert
 * resolves once the part (and its materialized views) is committed, so from then on any query on
 * hop_events returns the row. The time is taken in the bench's wrapper of the insert call, after
 * the engine returned — never from a column the pipeline fills in before the insert — so it is an
 * upper bound (it also counts how long the resolved promise waited for the event loop). Which rows
 * an insert held is read from its insert_deduplication_token (`{topic}:{partition}:{first}-{last}`,
 * the Kafka offsets of the batch): the bench does not parse the insert body, so it does not depend
 * on the input format. Caught-up batches share combined inserts (ingest/telemetry/coalescer.ts),
 * whose tokens name no range: those run one after another, so a row no range insert acknowledged
 * was made visible by the first combined insert acknowledged at or after the engine stamped it
 * (ingested_at, DEFAULT now64(3), taken when its insert began). Afterwards a query on hop_events (LIMIT 1 BY event_id: each row once)
 * returns every measured row with its Kafka coordinates and its produce time, which the producer
 * put in the event's attributes (events.ts, freshnessRecord): a row the query does not return was
 * not visible and counts as missing.
 */

/** What the parent tells the child once it stopped producing (one IPC message). */
export interface VisibilityPlan {
  /** Records produced in all (primer, warm-up and measured ones): the pipeline must write them all. */
  produced: number
  /** Rows produced in [fromMs, toMs) (producer's clock) are measured; the others are warm-up. */
  fromMs: number
  toMs: number
  /** How long to wait for the last rows before measuring what is there. */
  drainSeconds: number
}

export interface Visibility {
  startupSeconds: number
  /** Measured rows that hop_events returned. */
  visible: number
  /** Returned rows no observed insert acknowledged (should be none; they are left out of the figures). */
  unobserved: number
  /**
   * Rows whose acknowledgement came before the engine stamped them (ingested_at, DEFAULT now64(3)):
   * a check of the offset-range mapping, which must find none.
   */
  ackedBeforeIngest: number
  p50Ms: number | null
  p95Ms: number | null
  maxMs: number | null
  /** Peak RSS of the pipeline's process before the final query. */
  peakRssMiB: number
}

const TOKEN = /^(.+):(\d+):(\d+)-(\d+)$/

/** When each hop_events insert of one topic's batches was acknowledged, by Kafka offset range. */
export class InsertAcks {
  /** `${partition}:${first}` → the range and its first acknowledgement (a retried range keeps its first). */
  private readonly acks = new Map<string, { partition: number; first: number; last: number; atMs: number }>()
  private byPartition: Map<number, { first: number; last: number; atMs: number }[]> | undefined

  constructor(private readonly topic: string) {}

  /** Acknowledgements of combined inserts (tokens that name no range), in time order. */
  private readonly combined: number[] = []

  get count(): number {
    return this.acks.size + this.combined.length
  }

  /** `ch` whose chDB inserts into hop_events note when they resolved. */
  observe(ch: ClickHouse): ClickHouse {
    const chdb = ch.chdb
    if (!chdb) throw new Error('freshness: the bench observes chDB inserts; it cannot run against a ClickHouse server')
    // chInsert sends `INSERT INTO <db>.hop_events (…) SETTINGS …, insert_deduplication_token = '…', … SELECT …`
    // (tokens never hold a quote: exec.ts checks them).
    const prefix = `INSERT INTO ${ch.database}.hop_events `
    const queryAsync: ChdbExtension['queryAsync'] = async (sql, opts) => {
      const result = await chdb.queryAsync(sql, opts)
      if (sql.startsWith(prefix)) this.note(/\binsert_deduplication_token = '([^']*)'/.exec(sql)?.[1] ?? '', Date.now())
      return result
    }
    return { ...ch, chdb: { ...chdb, queryAsync } }
  }

  note(token: string, atMs: number): void {
    const m = TOKEN.exec(token)
    if (!m) {
      this.combined.push(atMs)
      return
    }
    if (m[1] !== this.topic) return
    const key = `${m[2]}:${m[3]}`
    if (this.acks.has(key)) return
    this.acks.set(key, { partition: Number(m[2]), first: Number(m[3]), last: Number(m[4]), atMs })
    this.byPartition = undefined
  }

  /**
   * When the insert holding `offset` of `partition` was first acknowledged: its range's insert, else
   * the first combined insert acknowledged at or after `ingestedMs`; undefined if none was seen.
   */
  ackedAt(partition: number, offset: number, ingestedMs: number): number | undefined {
    const ranged = this.rangeAck(partition, offset)
    if (ranged !== undefined) return ranged
    let [lo, hi] = [0, this.combined.length]
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.combined[mid]! < ingestedMs) lo = mid + 1
      else hi = mid
    }
    return this.combined[lo]
  }

  private rangeAck(partition: number, offset: number): number | undefined {
    if (!this.byPartition) {
      this.byPartition = new Map()
      for (const a of this.acks.values()) {
        let list = this.byPartition.get(a.partition)
        if (!list) this.byPartition.set(a.partition, (list = []))
        list.push(a)
      }
      for (const list of this.byPartition.values()) list.sort((x, y) => x.first - y.first)
    }
    const list = this.byPartition.get(partition) ?? []
    // The last range starting at or before the offset: ranges of one partition do not overlap.
    let [lo, hi] = [0, list.length - 1]
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (list[mid]!.first <= offset) lo = mid
      else hi = mid - 1
    }
    const r = list[lo]
    return r && r.first <= offset && offset <= r.last ? r.atMs : undefined
  }
}

/** The plan, sent by the parent over the IPC channel (run-child.ts says why not stdin). */
function readPlan(): Promise<VisibilityPlan> {
  return new Promise((resolve, reject) => {
    process.once('message', (plan) => resolve(plan as VisibilityPlan))
    process.once('disconnect', () => reject(new Error('freshness: the parent went away before the plan arrived')))
  })
}

/** Prints `{"ready": true}` once the pipeline wrote its first row, then measures as the plan says. */
export async function measureVisibility(brokers: string, topic: string, dataDir: string, workflow: WorkflowStore): Promise<Visibility> {
  const acks = new InsertAcks(topic)
  const { pipeline, ch, close } = await benchPipeline(brokers, topic, dataDir, workflow, (c) => acks.observe(c))
  const t0 = performance.now()
  await pipeline.start()
  while (pipeline.status().written === 0) await sleep(5)
  const startupSeconds = Math.round((performance.now() - t0) / 100) / 10
  process.stdout.write(`${JSON.stringify({ ready: true, startupSeconds })}\n`)

  const plan = await readPlan()
  const deadline = performance.now() + plan.drainSeconds * 1000
  while (pipeline.status().written < plan.produced && performance.now() < deadline) await sleep(20)
  const peak = peakRssMiB()
  if (acks.count === 0) throw new Error('freshness: no hop_events insert was observed through chdb.queryAsync (did the exec seam change how it inserts?)')

  const { rows } = await chQuery<{ partition: number; offset: number; produced: number; ingested: number }>(ch, {
    name: 'bench.freshness',
    sql: `SELECT src_partition AS partition, src_offset AS offset, toInt64OrZero(attributes[{attribute:String}]) AS produced,
                 toUnixTimestamp64Milli(ingested_at) AS ingested
          FROM ${ch.database}.hop_events
          WHERE src_topic = {topic:String} AND produced >= {from:Int64} AND produced < {to:Int64}
          LIMIT 1 BY event_id`,
    params: { attribute: PRODUCED_MS_ATTRIBUTE, topic, from: plan.fromMs, to: plan.toMs },
    maxExecutionTimeSec: 120,
  })
  await close()

  const latencies: number[] = []
  let ackedBeforeIngest = 0
  for (const row of rows) {
    const at = acks.ackedAt(row.partition, row.offset, row.ingested)
    if (at === undefined) continue
    latencies.push(at - row.produced)
    if (at < row.ingested) ackedBeforeIngest++
  }
  latencies.sort((a, b) => a - b)
  const q = (p: number) => (latencies.length ? percentile(latencies, p) : null)
  return { startupSeconds, visible: latencies.length, unobserved: rows.length - latencies.length, ackedBeforeIngest, p50Ms: q(0.5), p95Ms: q(0.95), maxMs: q(1), peakRssMiB: peak }
}
