import { partitionForKey } from '../../server/bus/placement'
import { lastHeaderText } from '../../server/bus/headers'
import type { BusRecord, Transport } from '../../server/bus/port'
import { Prisma, type PrismaClient } from '../../server/db/client'
import { PROVENANCE_HEADERS } from '../../server/domain/replays'
import type { Logger } from '../../server/logger'
import { metrics } from '../../server/metrics'
import { buildReplayRecord } from './record'
import type { Produced } from './runner'

/**
 * Settles items whose send was in flight when a worker died (or whose send failed): pending, with
 * `attemptedAt` and `probeFrom` set. The target topic is read from `probeFrom` (the partitions' end
 * offsets just before the send) to its current end, on the partition the key maps to (every
 * partition for records without a key), looking for the item's `x-replay-id`:
 * - found → it reached the log: marked produced with that partition and offset;
 * - not found → it did not: the attempt is cleared and the item is produced like any other.
 * The lease makes this safe: a job is only recovered by the worker holding it, after the previous
 * holder's lease expired (by then a dead worker's send can no longer land).
 */

type Item = Prisma.ReplayItemGetPayload<{ include: { deadLetter: true; job: true } }>


export interface RecoveryDeps {
  db: PrismaClient
  transport: Transport
  log: Logger
  jobId: string
  onProduced(items: Produced[]): Promise<void>
}

export async function recoverInFlight({ db, transport, log, jobId, onProduced }: RecoveryDeps): Promise<void> {
  const uncertain = await db.replayItem.findMany({
    where: { jobId, status: 'pending', attemptedAt: { not: null } },
    include: { deadLetter: true, job: true },
  })
  if (!uncertain.length) return
  const found: Produced[] = []
  const byTopic = new Map<string, Item[]>()
  for (const i of uncertain) byTopic.set(i.targetTopic, [...(byTopic.get(i.targetTopic) ?? []), i])
  for (const [topic, items] of byTopic) {
    const ends = new Map((await transport.endOffsets(topic)).map((p) => [p.partition, p.end]))
    // Where to look: per partition, from the lowest recorded end offset of the items that may be there.
    const ranges = new Map<number, { from: bigint; wanted: Set<string> }>()
    for (const item of items) {
      const from = (item.probeFrom ?? {}) as Record<string, string>
      const key = item.deadLetter.key
      const partitions = key ? [partitionForKey(key, ends.size)] : [...ends.keys()]
      for (const p of partitions) {
        const start = BigInt(from[String(p)] ?? '0')
        const range = ranges.get(p) ?? { from: start, wanted: new Set<string>() }
        if (start < range.from) range.from = start
        range.wanted.add(item.id)
        ranges.set(p, range)
      }
    }
    const located = new Map<string, { record: BusRecord }>()
    for (const [partition, range] of ranges) {
      const end = ends.get(partition) ?? '0'
      const records = await transport.readPartition(topic, partition, range.from.toString(), end)
      for (const r of records) {
        const id = lastHeaderText(r.headers, PROVENANCE_HEADERS.replayId)
        if (id && range.wanted.has(id) && !located.has(id)) located.set(id, { record: r })
      }
    }
    for (const item of items) {
      const hit = located.get(item.id)
      if (!hit) continue
      const built = buildReplayRecord({
        itemId: item.id,
        jobId: item.jobId,
        replayedBy: item.job.createdByLabel,
        reason: item.job.reason,
        editedValue: item.editedValue,
        count: 1,
        at: item.attemptedAt!,
        source: item.deadLetter,
      })
      found.push({ item, at: { topic, partition: hit.record.partition, offset: hit.record.offset }, producedAt: new Date(hit.record.timestamp), built })
    }
  }
  const missing = uncertain.filter((i) => !found.some((f) => f.item.id === i.id)).map((i) => i.id)
  if (missing.length) await db.replayItem.updateMany({ where: { id: { in: missing }, status: 'pending' }, data: { attemptedAt: null, probeFrom: Prisma.DbNull } })
  await onProduced(found)
  if (found.length) metrics().replayRecords.inc({ outcome: 'recovered' }, found.length)
  log.info({ jobId, inFlight: uncertain.length, reachedTopic: found.length, toProduce: missing.length }, 'replay items in flight settled')
}
