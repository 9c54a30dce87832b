import type { BusBatch } from '../../server/bus/port'
import type { Logger } from '../../server/logger'
import { StoppedError } from '../../server/retry'
import type { PartitionBatcher } from './batcher'

/** The pipeline's batchers, one per topic-partition it is delivered, and which one takes a delivery. */
export class PartitionBatchers {
  private readonly batchers = new Map<string, Promise<PartitionBatcher>>()

  constructor(
    private readonly log: Logger,
    /** Opens a batcher for a partition delivered from `first` (its recorded ranges loaded). */
    private readonly open: (batch: BusBatch, first: bigint, signal: AbortSignal) => Promise<PartitionBatcher>,
  ) {}

  /**
   * The partition's batcher. A new one (checkpoints loaded) when the partition is new here, when
   * it is delivered again from an earlier offset (a handler rejected: what it held was abandoned),
   * or when it resumes at a later offset after a pause in our ownership (another member may
   * have recorded ranges meanwhile).
   */
  async for(batch: BusBatch, signal: AbortSignal): Promise<PartitionBatcher> {
    const key = `${batch.topic}:${batch.partition}`
    const first = BigInt(batch.records[0]!.offset)
    const current = this.batchers.get(key)
    if (current) {
      const b = await current
      if (first === b.lastOffset + 1n || (first > b.lastOffset && !b.isIdle())) return b
      if (first <= b.lastOffset) {
        this.log.info({ topic: batch.topic, partition: batch.partition, offset: String(first) }, 'partition delivered again from an earlier offset')
        b.abandon(new StoppedError('redelivered telemetry batch'))
      }
      await b.idle()
      if (this.batchers.get(key) !== current) return this.for(batch, signal)
    }
    const created = this.open(batch, first, signal)
    this.batchers.set(key, created)
    created.catch(() => {
      if (this.batchers.get(key) === created) this.batchers.delete(key)
    })
    return created
  }

  /** Abandons every open batch (never half-committed) and returns the batchers, to wait until they are idle. */
  async abandonAll(error: Error): Promise<PartitionBatcher[]> {
    const batchers = await Promise.all([...this.batchers.values()].map((b) => b.catch(() => undefined)))
    const opened = batchers.filter((b): b is PartitionBatcher => b !== undefined)
    for (const b of opened) b.abandon(error)
    return opened
  }
}
