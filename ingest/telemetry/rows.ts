import type { HopEvent } from '../../server/domain/hop-event'

/**
 * A normalised hop event → the rows of `hop_events` and `hop_payloads`
 * (server/clickhouse/migrations/0001_core_tables.sql), keyed by the exact column names: the exec
 * seam inserts JSONEachRow with unknown fields rejected.
 * - Times stay RFC 3339 text as validated; the seam parses them (`best_effort`) into
 *   DateTime64(3, 'UTC'), offsets included.
 * - Every column is a key of the row so all rows share one shape; `undefined` values are left out
 *   by JSON serialisation and the column DEFAULT applies ('' for strings, 0, [] or map()).
 * - Not written: `since_origin_ms` (MATERIALIZED), `ingested_at` (DEFAULT now64(3): the
 *   ReplacingMergeTree version) and `replayed` (DEFAULT replay_id != '').
 */

export interface KafkaCoordinates {
  topic: string
  partition: number
  /** 64-bit offset as decimal text; ClickHouse reads it into Int64 exactly. */
  offset: string
}

export interface HopEventRow {
  event_id: string
  event_type: string
  schema_version: number
  occurred_at: string
  recorded_at: string | undefined
  origin_time: string
  correlation_id: string
  causation_id: string | undefined
  idempotency_key: string | undefined
  trace_id: string | undefined
  span_id: string | undefined
  parent_span_id: string | undefined
  flow: string
  hop: string
  status: string
  plant: string
  line: string | undefined
  work_center: string | undefined
  storage_location: string | undefined
  location_path: string | undefined
  source_system: string | undefined
  source_instance: string | undefined
  work_order: string | undefined
  operation: string | undefined
  material: string | undefined
  lot: string | undefined
  serials: string[] | undefined
  handling_unit: string | undefined
  shipment: string | undefined
  qty_good: number | undefined
  qty_scrap: number | undefined
  uom: string | undefined
  erp_document: string | undefined
  /** null = unknown (aggregates skip it), never 0. */
  latency_ms: number | null
  attempt: number | undefined
  error_category: string | undefined
  error_code: string | undefined
  error_text: string | undefined
  error_retryable: boolean | undefined
  dependency_key: string | undefined
  replay_id: string | undefined
  payload_truncated: boolean
  attributes: Record<string, string> | undefined
  src_topic: string
  src_partition: number
  src_offset: string
}

export interface HopPayloadRow {
  correlation_id: string
  event_id: string
  origin_time: string
  content_type: string
  payload: string
}

export function toHopEventRow(e: HopEvent, at: KafkaCoordinates, payloadTruncated: boolean): HopEventRow {
  const b = e.business
  const q = b?.quantity
  const err = e.error ?? undefined
  return {
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
}

export function toHopPayloadRow(e: HopEvent, payloadJson: string): HopPayloadRow {
  return {
    correlation_id: e.correlation_id,
    event_id: e.event_id,
    origin_time: e.origin_time ?? e.occurred_at,
    content_type: 'application/json',
    payload: payloadJson,
  }
}
