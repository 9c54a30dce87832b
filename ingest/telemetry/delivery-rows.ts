import type { BusBatch, OutgoingRecord } from '../../server/bus/port'
import type { ClickHouse } from '../../server/clickhouse/client'
import type { Logger } from '../../server/logger'
import { isoMs } from '../../server/domain/iso-time'
import type { Batch, BatchRow, PartitionBatcher } from './batcher'
import { toDlqRecord } from './dlq'
import type { ingestMetrics } from './metrics'
import { normalise } from './normalise'
import type { OriginCache } from './origin-cache'
import { toHopEventRow, toHopPayloadRow } from './rows'
import { inOccurrenceOrder, type RecordSource } from './source'

/** What a pipeline lends the decoding of its deliveries. */
export interface DecodeParts {
  source: RecordSource
  origins: OriginCache
  knownPlants: ReadonlySet<string>
  metrics: ReturnType<typeof ingestMetrics>
  log: Logger
}

/** What must be durable before a delivery is committed, besides its rows. */
export interface DecodedDelivery {
  /** The batches holding the delivery's rows. */
  waits: Promise<void>[]
  /** Its records that are not hop events, as dead letters. */
  dlq: OutgoingRecord[]
  /** Plants it names that are not registered yet. */
  newPlants?: Set<string>
  /** What its records need stored beside their rows (RecordSource.pendingWrites). */
  pendingWrite?: (ch: ClickHouse) => Promise<void>
}

/**
 * One delivery's records → rows in the partition's batches (normalised: EVENT-MODEL.md), dead
 * letters for what cannot be a hop event, and the plants seen first here. The batches are told
 * where the delivery ends, which seals or schedules them (README.md "Batches").
 */
export async function decodeDelivery(parts: DecodeParts, batch: BusBatch, batcher: PartitionBatcher): Promise<DecodedDelivery> {
  const { source, origins, knownPlants, metrics, log } = parts
  const records = batch.records
  // One ingest time per delivery (normalise's recorded_at).
  const now = new Date()
  const out: DecodedDelivery = { waits: [], dlq: [] }
  let lastBatch: Batch | undefined
  for (const record of records) {
    let read = source.read(record)
    if (read instanceof Promise) read = await read
    const rows: BatchRow[] = []
    for (const item of Array.isArray(read) ? inOccurrenceOrder(read) : [read]) {
      if (!item.ok) {
        out.dlq.push(toDlqRecord(record, item.reason, item.errors, 'dlqValue' in item ? item.dlqValue : record.value))
        metrics.invalid.inc({ reason: item.reason })
        log.debug({ topic: record.topic, partition: record.partition, offset: record.offset, reason: item.reason }, 'invalid telemetry record')
        continue
      }
      const event = normalise(item.event, record.headers, origins, now, item.traceparent)
      if (!knownPlants.has(event.plant)) (out.newPlants ??= new Set()).add(event.plant)
      const row = toHopEventRow(event, record, item.payloadTruncated)
      const payload = item.payloadJson === undefined ? undefined : toHopPayloadRow(event, item.payloadJson)
      rows.push({ row, payload, originMs: isoMs(row.origin_time), occurredMs: isoMs(row.occurred_at) })
    }
    if (rows.length === 0) continue
    const b = batcher.add(record.offset, rows)
    if (b !== undefined && b !== lastBatch) out.waits.push((lastBatch = b).done)
  }
  const last = records[records.length - 1]!
  batcher.endOfDelivery(last.offset, BigInt(last.offset) + 1n >= BigInt(batch.highWatermark))
  // Taken here, within the delivery's decode turn: what it holds was noted by these records only.
  const pendingWrite = source.pendingWrites?.()
  if (pendingWrite) out.pendingWrite = pendingWrite
  return out
}
