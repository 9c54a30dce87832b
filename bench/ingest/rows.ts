import type { HopEventInsert, HopPayloadInsert } from '../../server/clickhouse/tables/hop-events'
import { decodeRecord } from '../../ingest/telemetry/decode'
import { normalise } from '../../ingest/telemetry/normalise'
import type { OriginCache } from '../../ingest/telemetry/origin-cache'
import { toHopEventRow, toHopPayloadRow } from '../../ingest/telemetry/rows'
import { benchRecord } from './events'

/**
 * Bench event `i`'s rows as the pipeline makes them from its record (decoded, validated,
 * normalised at `now`), read at offset `i` of `partition`: the rows the engine phases insert.
 */
export function benchRows(i: number, origins: OriginCache, now: Date, partition = 0): { event: HopEventInsert; payload: HopPayloadInsert } {
  const record = { topic: 't', partition, offset: String(i), key: null, value: Buffer.from(benchRecord(i).value), headers: {}, timestamp: 0 }
  const decoded = decodeRecord(record)
  if (!decoded.ok) throw new Error(`bench event ${i} is invalid: ${decoded.reason}`)
  const event = normalise(decoded.event, record.headers, origins, now, decoded.traceparent)
  return { event: toHopEventRow(event, record, decoded.payloadTruncated), payload: toHopPayloadRow(event, decoded.payloadJson!) }
}
