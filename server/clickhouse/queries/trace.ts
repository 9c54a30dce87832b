import type { ClickHouse } from '../client'
import { BUSINESS_KEY_TYPES } from '../../domain/trace-search'
import { chQuery, type Actor } from '../exec'
import { assertWindow } from './window'

/**
 * Trace reads. Read pattern (CLICKHOUSE.md):
 * - by correlation id: a point read of hop_events bounded by origin_time (deep links carry it, so
 *   the read prunes to one weekly partition), `ORDER BY occurred_at … LIMIT 1 BY event_id` to hide
 *   re-sent copies that background merges have not collapsed yet. Never FINAL.
 * - by business key: txn_keys range read, latest first with a LIMIT, then the hop_events read.
 */

export interface HopEventRow {
  event_id: string
  event_type: string
  occurred_at: string
  recorded_at: string
  origin_time: string
  ingested_at: string
  correlation_id: string
  causation_id: string
  idempotency_key: string
  trace_id: string
  flow: string
  hop: string
  status: string
  plant: string
  line: string
  work_order: string
  material: string
  lot: string
  shipment: string
  erp_document: string
  latency_ms: number | null
  attempt: number
  error_category: string
  error_code: string
  error_text: string
  error_retryable: boolean
  dependency_key: string
  replay_id: string
  replayed: boolean
  since_origin_ms: number
  src_topic: string
  src_partition: number
  src_offset: number
  span_id: string
  parent_span_id: string
  source_system: string
  source_instance: string
  work_center: string
  storage_location: string
  location_path: string
  operation: string
  handling_unit: string
  serials: string[]
  qty_good: number
  qty_scrap: number
  uom: string
  payload_truncated: boolean
  attributes: Record<string, string>
}

const HOP_COLUMNS = [
  'event_id', 'event_type', 'occurred_at', 'recorded_at', 'origin_time', 'ingested_at', 'correlation_id',
  'causation_id', 'idempotency_key', 'trace_id', 'flow', 'hop', 'status', 'plant', 'line', 'work_order',
  'material', 'lot', 'shipment', 'erp_document', 'latency_ms', 'attempt', 'error_category', 'error_code',
  'error_text', 'error_retryable', 'dependency_key', 'replay_id', 'replayed', 'since_origin_ms', 'src_topic',
  'src_partition', 'src_offset', 'span_id', 'parent_span_id', 'source_system', 'source_instance', 'work_center',
  'storage_location', 'location_path', 'operation', 'handling_unit', 'serials', 'qty_good', 'qty_scrap', 'uom',
  'payload_truncated', 'attributes',
].join(', ')

/** All hops of one transaction, oldest first, each event once (the latest ingested copy). */
export async function traceByCorrelationId(
  ch: ClickHouse,
  q: { correlationId: string; from: Date; to: Date; limit?: number; actor?: Actor },
): Promise<HopEventRow[]> {
  assertWindow(q.from, q.to)
  const { rows } = await chQuery<HopEventRow>(ch, {
    name: 'trace.byCorrelationId',
    sql: `SELECT ${HOP_COLUMNS}
          FROM ${ch.database}.hop_events
          WHERE correlation_id = {cid:String}
            AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}
          ORDER BY occurred_at, event_id, ingested_at DESC
          LIMIT 1 BY event_id
          LIMIT {limit:UInt32}`,
    params: { cid: q.correlationId, from: q.from, to: q.to, limit: q.limit ?? 2000 },
    actor: q.actor,
  })
  return rows
}

export const KEY_TYPES = BUSINESS_KEY_TYPES
export type KeyType = (typeof KEY_TYPES)[number]

export interface TxnRef {
  correlation_id: string
  origin_time: string
  plant: string
}

/**
 * Transactions carrying a business key, latest first (then read each with traceByCorrelationId).
 * Several key types (an ambiguous 10-digit number) are several ranges of the txn_keys sort key.
 */
export async function txnsByKey(
  ch: ClickHouse,
  q: { keyType: KeyType | readonly KeyType[]; keyValue: string; from: Date; to: Date; plants?: readonly string[]; limit?: number; actor?: Actor },
): Promise<TxnRef[]> {
  assertWindow(q.from, q.to)
  const types = typeof q.keyType === 'string' ? [q.keyType] : [...q.keyType]
  for (const t of types) if (!KEY_TYPES.includes(t)) throw new Error(`Unknown key type ${JSON.stringify(t)}`)
  const { rows } = await chQuery<TxnRef>(ch, {
    name: 'trace.txnsByKey',
    // Duplicate key rows (one per hop and per re-sent copy) are identical on the whole sort key
    // until merged; LIMIT 1 BY correlation_id shows each transaction once.
    sql: `SELECT correlation_id, origin_time, plant
          FROM ${ch.database}.txn_keys
          WHERE key_type IN {kts:Array(String)} AND key_value = {kv:String}
            AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}
            ${q.plants ? 'AND plant IN {plants:Array(String)}' : ''}
          ORDER BY origin_time DESC, correlation_id
          LIMIT 1 BY correlation_id
          LIMIT {limit:UInt32}`,
    params: { kts: types, kv: q.keyValue, from: q.from, to: q.to, limit: q.limit ?? 100, ...(q.plants ? { plants: q.plants } : {}) },
    actor: q.actor,
  })
  return rows
}

export interface TxnLocation {
  correlation_id: string
  origin_time: string
  plant: string
  flow: string
}

/** Where a transaction lives (plant, flow, origin time): one hop_events point read. */
export async function locateTxn(
  ch: ClickHouse,
  q: { correlationId: string; from: Date; to: Date; actor?: Actor },
): Promise<TxnLocation | null> {
  assertWindow(q.from, q.to)
  const { rows } = await chQuery<TxnLocation>(ch, {
    name: 'trace.locate',
    sql: `SELECT correlation_id, origin_time, plant, flow
          FROM ${ch.database}.hop_events
          WHERE correlation_id = {cid:String}
            AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}
          ORDER BY origin_time DESC
          LIMIT 1`,
    params: { cid: q.correlationId, from: q.from, to: q.to },
    actor: q.actor,
  })
  return rows[0] ?? null
}

export interface HopPayloadRow {
  event_id: string
  plant: string
  content_type: string
  payload: string
}

/**
 * The payload of one hop, read when a person opens it. The plant comes from hop_events so the
 * caller can check scope; an empty payload means none was kept (TTL or never sent).
 */
export async function hopPayload(
  ch: ClickHouse,
  q: { correlationId: string; eventId: string; from: Date; to: Date; actor?: Actor },
): Promise<HopPayloadRow | null> {
  assertWindow(q.from, q.to)
  const { rows } = await chQuery<HopPayloadRow>(ch, {
    name: 'trace.payload',
    sql: `SELECT e.event_id AS event_id, e.plant AS plant, p.content_type AS content_type, p.payload AS payload
          FROM (
            SELECT event_id, CAST(plant AS String) AS plant
            FROM ${ch.database}.hop_events
            WHERE correlation_id = {cid:String} AND event_id = {eid:String}
              AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}
            LIMIT 1
          ) AS e
          LEFT JOIN (
            SELECT event_id, CAST(content_type AS String) AS content_type, payload
            FROM ${ch.database}.hop_payloads
            WHERE correlation_id = {cid:String} AND event_id = {eid:String}
              AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}
            LIMIT 1
          ) AS p ON p.event_id = e.event_id`,
    params: { cid: q.correlationId, eid: q.eventId, from: q.from, to: q.to },
    actor: q.actor,
  })
  return rows[0] ?? null
}
