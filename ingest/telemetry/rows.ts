import type { HopEventInsert, HopPayloadInsert } from '../../server/clickhouse/tables/hop-events'
import type { HopEvent } from '../../server/domain/hop-event'

/**
 * A normalised hop event → the rows of `hop_events` and `hop_payloads`
 * (server/clickhouse/tables/hop-events.ts), keyed by the exact column names: the exec seam inserts
 * under the rows' keys, so an unknown column is rejected (insert-formats.ts).
 * - Times stay RFC 3339 text as validated; the seam reads them into DateTime64(3, 'UTC'), offsets
 *   included.
 * - Every column is a key of the row so all rows share one shape; an `undefined` value goes as null
 *   and the column DEFAULT applies ('' for strings, 0, [] or map()).
 * - Not written: `since_origin_ms` (MATERIALIZED), `ingested_at` (DEFAULT now64(3): the
 *   ReplacingMergeTree version) and `replayed` (DEFAULT replay_id != '').
 */

export interface KafkaCoordinates {
  topic: string
  partition: number
  /** 64-bit offset as decimal text; ClickHouse reads it into Int64 exactly. */
  offset: string
}

/** `T` with every optional key required to be present (its value may still be undefined): an object literal of this type names every key, checked by the compiler. */
export type EveryKey<T> = { [K in keyof Required<T>]: T[K] }

/** Every column but the two left to their DEFAULT (see above) is a key of the row, `undefined` or not. */
type WrittenHopEvent = EveryKey<Omit<HopEventInsert, 'ingested_at' | 'replayed'>>

export function toHopEventRow(e: HopEvent, at: KafkaCoordinates, payloadTruncated: boolean): HopEventInsert {
  const b = e.business
  const q = b?.quantity
  const err = e.error ?? undefined
  const row: WrittenHopEvent = {
    event_id: e.event_id,
    event_type: e.event_type,
    schema_version: e.schema_version,
    occurred_at: e.occurred_at,
    recorded_at: e.recorded_at,
    origin_time: e.origin_time ?? e.occurred_at,
    correlation_id: e.correlation_id,
    causation_id: e.causation_id,
    idempotency_key: e.idempotency_key,
    trace_id: e.trace_id,
    span_id: e.span_id,
    parent_span_id: e.parent_span_id,
    flow: e.flow,
    hop: e.hop,
    status: e.status,
    plant: e.plant,
    line: e.line,
    work_center: e.work_center,
    storage_location: e.storage_location,
    location_path: e.location_path,
    source_system: e.source?.system,
    source_instance: e.source?.instance,
    work_order: b?.work_order,
    operation: b?.operation,
    material: b?.material,
    lot: b?.lot,
    serials: b?.serials,
    handling_unit: b?.handling_unit,
    shipment: b?.shipment,
    qty_good: q?.good,
    qty_scrap: q?.scrap,
    uom: q?.uom,
    erp_document: b?.erp_document,
    latency_ms: e.latency_ms ?? null,
    attempt: e.attempt,
    error_category: err?.category,
    error_code: err?.code,
    error_text: err?.text,
    error_retryable: err?.retryable,
    dependency_key: err?.dependency_key,
    replay_id: e.replay?.replay_id,
    payload_truncated: payloadTruncated,
    attributes: e.attributes,
    src_topic: at.topic,
    src_partition: at.partition,
    src_offset: at.offset,
  }
  return row
}

export function toHopPayloadRow(e: HopEvent, payloadJson: string): HopPayloadInsert {
  return {
    correlation_id: e.correlation_id,
    event_id: e.event_id,
    origin_time: e.origin_time ?? e.occurred_at,
    content_type: 'application/json',
    payload: payloadJson,
  }
}
