import type { PrismaClient } from '../../server/db/client'

/**
 * Durable batch boundaries (Postgres `ingest_checkpoints`, one row per batch range of a consumer
 * group's topic-partition). A range is recorded BEFORE its ClickHouse insert and deleted once the
 * group's committed offset has passed it; what is left after a crash are exactly the ranges that
 * may have been inserted without their offsets being committed. See pipeline.ts for how they are
 * used. Trickle batches are recorded by the combined insert that takes them (coalescer.ts), all in
 * one statement: one per batch was the running demo's largest Postgres cost (bench suite `idle`).
 */

export interface BatchRange {
  first: bigint
  last: bigint
}

/** A range of a group's topic-partition, as recorded. */
export interface CheckpointRow extends BatchRange {
  groupId: string
  topic: string
  partition: number
}

/** Records ranges (of any groups and partitions) in one statement. Idempotent: a rebuilt range is recorded again without error. */
export async function recordCheckpoints(prisma: PrismaClient, rows: readonly CheckpointRow[]): Promise<void> {
  if (rows.length === 0) return
  await prisma.ingestCheckpoint.createMany({
    data: rows.map((r) => ({ groupId: r.groupId, topic: r.topic, partition: r.partition, firstOffset: r.first, lastOffset: r.last })),
    skipDuplicates: true,
  })
}

export class CheckpointStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly groupId: string,
  ) {}

  row(topic: string, partition: number, range: BatchRange): CheckpointRow {
    return { groupId: this.groupId, topic, partition, first: range.first, last: range.last }
  }

  /** Recorded ranges the committed offset has not passed, oldest first; older ones are deleted. */
  async load(topic: string, partition: number, committed: bigint): Promise<BatchRange[]> {
    await this.prune([{ topic, partition, committed }])
    const rows = await this.prisma.ingestCheckpoint.findMany({
      where: { groupId: this.groupId, topic, partition },
      orderBy: { firstOffset: 'asc' },
      select: { firstOffset: true, lastOffset: true },
    })
    return rows.map((r) => ({ first: r.firstOffset, last: r.lastOffset }))
  }

  record(topic: string, partition: number, range: BatchRange): Promise<void> {
    return recordCheckpoints(this.prisma, [this.row(topic, partition, range)])
  }

  /** Ranges entirely below their partition's committed offset are durable and committed: forgotten, every partition given in one statement. */
  async prune(partitions: readonly { topic: string; partition: number; committed: bigint }[]): Promise<void> {
    if (partitions.length === 0) return
    await this.prisma.ingestCheckpoint.deleteMany({
      where: { groupId: this.groupId, OR: partitions.map((p) => ({ topic: p.topic, partition: p.partition, lastOffset: { lt: p.committed } })) },
    })
  }
}
