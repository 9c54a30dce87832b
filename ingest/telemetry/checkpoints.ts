import type { PrismaClient } from '../../server/db/client'

/**
 * Durable batch boundaries (Postgres `ingest_checkpoints`, one row per batch range of a consumer
 * group's topic-partition). A range is recorded BEFORE its ClickHouse insert and deleted once the
 * group's committed offset has passed it; what is left after a crash are exactly the ranges that
 * may have been inserted without their offsets being committed. See pipeline.ts for how they are
 * used.
 */

export interface BatchRange {
  first: bigint
  last: bigint
}

export class CheckpointStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly groupId: string,
  ) {}

  /** Recorded ranges the committed offset has not passed, oldest first; older ones are deleted. */
  async load(topic: string, partition: number, committed: bigint): Promise<BatchRange[]> {
    await this.prune(topic, partition, committed)
    const rows = await this.prisma.ingestCheckpoint.findMany({
      where: { groupId: this.groupId, topic, partition },
      orderBy: { firstOffset: 'asc' },
      select: { firstOffset: true, lastOffset: true },
    })
    return rows.map((r) => ({ first: r.firstOffset, last: r.lastOffset }))
  }

  /** Idempotent: a rebuilt range is recorded again without error. */
  async record(topic: string, partition: number, range: BatchRange): Promise<void> {
    await this.prisma.ingestCheckpoint.createMany({
      data: [{ groupId: this.groupId, topic, partition, firstOffset: range.first, lastOffset: range.last }],
      skipDuplicates: true,
    })
  }

  /** Ranges entirely below the committed offset are durable and committed: forget them. */
  async prune(topic: string, partition: number, committed: bigint): Promise<void> {
    await this.prisma.ingestCheckpoint.deleteMany({
      where: { groupId: this.groupId, topic, partition, lastOffset: { lt: committed } },
    })
  }
}
