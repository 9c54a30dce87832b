import type { ClickHouse } from '../client'
import { BUSINESS_KEY_TYPES, type BusinessKeyType } from '../../domain/trace-search'
import { chQuery, type Actor } from '../exec'
import { HOP_EVENT_SELECT, type HopEventRow, type HopPayloadRow } from '../tables/hop-events'
import { assertWindow } from './window'

/**
 * Trace reads. Read pattern (CLICKHOUSE.md):
 * - by correlation id: a point read of hop_events bounded by origin_time (deep links carry it, so
 *   the read prunes to one weekly partition), `ORDER BY occurred_at … LIMIT 1 BY event_id` to hide
 *   re-sent copies that background merges have not collapsed yet. Never FINAL.
 * - by business key: txn_keys range read, latest first with a LIMIT, then the hop_events read.
 */

/** All hops of one transaction, oldest first, each event once (the latest ingested copy). */
export async function traceByCorrelationId(
  ch: ClickHouse,
  q: { correlationId: string; from: Date; to: Date; limit?: number; actor?: Actor },
): Promise<HopEventRow[]> {
  assertWindow(q.from, q.to)
  const { rows } = await chQuery<HopEventRow>(ch, {
    name: 'trace.byCorrelationId',
    sql: `SELECT ${HOP_EVENT_SELECT}
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

export type KeyType = BusinessKeyType

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
  for (const t of types) if (!BUSINESS_KEY_TYPES.includes(t)) throw new Error(`Unknown key type ${JSON.stringify(t)}`)
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

/** A hop's payload with the plant of its event. */
export type HopPayload = Pick<HopPayloadRow, 'event_id' | 'content_type' | 'payload'> & Pick<HopEventRow, 'plant'>

/**
 * The payload of one hop, read when a person opens it. The plant comes from hop_events so the
 * caller can check scope; an empty payload means none was kept (TTL or never sent).
 */
export async function hopPayload(
  ch: ClickHouse,
  q: { correlationId: string; eventId: string; from: Date; to: Date; actor?: Actor },
): Promise<HopPayload | null> {
  assertWindow(q.from, q.to)
  const { rows } = await chQuery<HopPayload>(ch, {
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

/**
 * The attributes of OpenTelemetry resources by id (migrations/0013_otel_resources.sql): an OTLP
 * hop names its span's resource by `otel.resource_id` instead of repeating its attributes. Copies
 * of one id that merges have not collapsed yet hold the same attributes; the latest seen_at wins
 * (argMax, never FINAL). An id without a row (past the TTL, or not written yet) is absent.
 */
export async function otelResources(
  ch: ClickHouse,
  q: { ids: readonly string[]; actor?: Actor },
): Promise<Map<string, Record<string, string>>> {
  if (q.ids.length === 0) return new Map()
  const { rows } = await chQuery<{ resource_id: string; attributes: Record<string, string> }>(ch, {
    name: 'trace.otelResources',
    sql: `SELECT resource_id, argMax(attributes, seen_at) AS attributes
          FROM ${ch.database}.otel_resources
          WHERE resource_id IN {ids:Array(String)}
          GROUP BY resource_id`,
    params: { ids: [...q.ids] },
    actor: q.actor,
  })
  return new Map(rows.map((r) => [r.resource_id, r.attributes]))
}
