import type { BusProducer, OutgoingRecord, ProducedRecord } from '../server/bus/port'

/**
 * Records waiting to be produced, batched per topic. The driver flushes after each step, so one
 * step's records go out as one send per topic (order within a topic kept: hops of a transaction
 * share a key and stay in order). A failed send keeps its records for the next flush: the
 * simulated clock goes on, the records arrive late with their correct timestamps.
 */

type OnProduced = (produced: ProducedRecord) => void

const sizeOf = (v: Buffer | string | null | undefined) => (v == null ? 0 : typeof v === 'string' ? v.length * 1.1 : v.length)

interface Pending {
  records: OutgoingRecord[]
  callbacks: (OnProduced | undefined)[]
}

/**
 * One send carries at most this many records and about this many bytes per partition of the
 * topic: a Kafka batch per partition must stay below max.message.bytes (1 MiB by default), and
 * keyed records do not spread evenly, hence the margin.
 */
const CHUNK_RECORDS = 5_000
const CHUNK_BYTES_PER_PARTITION = 400_000

export class Outbox {
  private pending = new Map<string, Pending>()
  private readonly sentByTopic = new Map<string, number>()
  sent = 0
  /** Records it holds back instead (an older history's end, history.ts): never produced, never counted. */
  drop: ((topic: string, record: OutgoingRecord) => boolean) | undefined
  /**
   * Topics whose records an earlier run produced already (a resumed older history, history.ts): not
   * produced again, yet handled as if they were — their callbacks learn the topic, with no partition
   * or offset (-1) — so the run goes on exactly as the earlier one did.
   */
  quiet: ((topic: string) => boolean) | undefined

  constructor(
    private readonly producer: BusProducer,
    /** Partitions per topic (bounds the bytes of one send); unknown topics count as one. */
    private readonly partitions: ReadonlyMap<string, number> = new Map(),
  ) {}

  /** Splits a topic's records into sends Kafka accepts. */
  private chunks(topic: string, records: OutgoingRecord[]): [start: number, end: number][] {
    const budget = CHUNK_BYTES_PER_PARTITION * (this.partitions.get(topic) ?? 1)
    const out: [number, number][] = []
    let start = 0
    let bytes = 0
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!
      const size = sizeOf(r.value) + sizeOf(r.key) + 64 * Object.keys(r.headers ?? {}).length
      if (i > start && (i - start >= CHUNK_RECORDS || bytes + size > budget)) {
        out.push([start, i])
        start = i
        bytes = 0
      }
      bytes += size
    }
    if (start < records.length) out.push([start, records.length])
    return out
  }

  add(topic: string, record: OutgoingRecord, onProduced?: OnProduced): void {
    if (this.drop?.(topic, record)) return
    if (this.quiet?.(topic)) return onProduced?.({ topic, partition: -1, offset: '-1' })
    // Simulated time has sub-millisecond precision; a Kafka timestamp is a whole number of ms.
    if (record.timestamp !== undefined) record.timestamp = Math.floor(record.timestamp)
    let p = this.pending.get(topic)
    if (!p) this.pending.set(topic, (p = { records: [], callbacks: [] }))
    p.records.push(record)
    p.callbacks.push(onProduced)
  }

  get size(): number {
    let n = 0
    for (const p of this.pending.values()) n += p.records.length
    return n
  }

  sentTo(topic: string): number {
    return this.sentByTopic.get(topic) ?? 0
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return
    const batches = this.pending
    this.pending = new Map()
    const failed: [string, Pending][] = []
    // allSettled: every topic's send must have finished (or failed) before unsent records are put back.
    const results = await Promise.allSettled(
      [...batches].map(async ([topic, p]) => {
        for (const [i, end] of this.chunks(topic, p.records)) {
          const records = p.records.slice(i, end)
          let produced: ProducedRecord[]
          try {
            produced = await this.producer.send(topic, records)
          } catch (error) {
            failed.push([topic, { records: p.records.slice(i), callbacks: p.callbacks.slice(i) }])
            throw error
          }
          this.sent += records.length
          this.sentByTopic.set(topic, this.sentTo(topic) + records.length)
          for (let j = 0; j < produced.length; j++) p.callbacks[i + j]?.(produced[j]!)
        }
      }),
    )
    // Unsent records go back in front of whatever was added meanwhile.
    for (const [topic, rest] of failed) {
      const later = this.pending.get(topic)
      this.pending.set(topic, later ? { records: [...rest.records, ...later.records], callbacks: [...rest.callbacks, ...later.callbacks] } : rest)
    }
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (rejected) throw rejected.reason
  }
}
