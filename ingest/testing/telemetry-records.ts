import { randomUUID } from 'node:crypto'
import type { BusRecord, OutgoingRecord } from '../../server/bus/port'
import type { HopEventInput } from '../../server/domain/hop-event'
import { recentDay } from '../../server/testing/recent-day'

/**
 * Test data: hop events with every field set, and the three wire encodings of EVENT-MODEL.md
 * built by hand (not by our decoder's inverse), so a decoder bug cannot hide behind its twin.
 */

/** The day of makeHopEvent's times: two days back, so its rows stay inside every table's TTL. */
export const FIXTURE_DAY = recentDay(2)

export function makeHopEvent(overrides: Partial<HopEventInput> = {}): HopEventInput {
  return {
    event_id: randomUUID(),
    event_type: 'erp.posting_succeeded',
    schema_version: 1,
    occurred_at: `${FIXTURE_DAY}T13:05:00.123Z`,
    origin_time: `${FIXTURE_DAY}T13:00:00.000Z`,
    correlation_id: `txn-${randomUUID()}`,
    causation_id: 'evt-cause-1',
    idempotency_key: 'idem-1',
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    span_id: '00f067aa0ba902b7',
    parent_span_id: '00f067aa0ba902b8',
    flow: 'production_confirmation',
    hop: 'erp',
    status: 'ok',
    plant: '2000',
    line: 'L1',
    work_center: 'WC-10',
    storage_location: '0001',
    location_path: 'acme.2000.assembly.l1.c1',
    source: { system: 'ERP', instance: 'erp-prd' },
    business: {
      work_order: 'WO-1',
      operation: '0010',
      material: 'A706',
      lot: 'LOT-7',
      serials: ['S1', 'S2'],
      handling_unit: 'HU-1',
      shipment: 'SH-1',
      quantity: { good: 10, scrap: 1.5, uom: 'PC' },
      erp_document: '4900001234',
    },
    latency_ms: 640,
    attempt: 1,
    error: null,
    replay: null,
    attributes: { shift: 'A', 'mes.order_type': 'PP01' },
    payload: { document: { number: '4900001234', items: [{ pos: 1, qty: 10 }] }, note: 'Grüße ✓' },
    ...overrides,
  }
}

export const COORDS = { topic: 'lt.telemetry', partition: 3, offset: '42' }

function record(value: Buffer | string | null, headers: Record<string, string | Buffer> = {}, key: string | null = 'k'): BusRecord {
  const h: BusRecord['headers'] = {}
  for (const [k, v] of Object.entries(headers)) h[k] = typeof v === 'string' ? Buffer.from(v) : v
  return {
    ...COORDS,
    key: key === null ? null : Buffer.from(key),
    value: typeof value === 'string' ? Buffer.from(value) : value,
    headers: h,
    timestamp: 1_795_352_700_000,
  }
}

export function makePlainRecord(event: object, headers: Record<string, string | Buffer> = {}): BusRecord {
  return record(JSON.stringify(event), headers)
}

export function makeRawRecord(value: Buffer | string | null, headers: Record<string, string | Buffer> = {}): BusRecord {
  return record(value, headers)
}

/** CloudEvents structured mode: id/type/time/correlationid/causationid as attributes, the rest in data. */
export function makeStructuredRecord(event: HopEventInput, opts: { contentTypeHeader?: boolean; traceparent?: string } = {}): BusRecord {
  const { event_id, event_type, occurred_at, correlation_id, causation_id, ...data } = event
  const ce: Record<string, unknown> = {
    specversion: '1.0',
    id: event_id,
    type: event_type,
    source: '/mes/plant-2000',
    time: occurred_at,
    datacontenttype: 'application/json',
    correlationid: correlation_id,
    causationid: causation_id,
    data,
  }
  if (opts.traceparent) ce.traceparent = opts.traceparent
  const headers: Record<string, string> = opts.contentTypeHeader === false ? {} : { 'content-type': 'application/cloudevents+json; charset=utf-8' }
  return record(JSON.stringify(ce), headers)
}

/** CloudEvents binary mode: the same attributes as ce_* headers, the rest as the value. */
export function makeBinaryRecord(event: HopEventInput, extra: Record<string, string> = {}): BusRecord {
  const { event_id, event_type, occurred_at, correlation_id, causation_id, ...data } = event
  const headers: Record<string, string> = {
    ce_specversion: '1.0',
    ce_id: event_id,
    ce_type: event_type,
    ce_source: '/mes/plant-2000',
    ce_time: occurred_at,
    ce_correlationid: correlation_id,
    'content-type': 'application/json',
    ...extra,
  }
  if (causation_id !== undefined) headers.ce_causationid = causation_id
  return record(JSON.stringify(data), headers)
}

/** A telemetry record as a producer sends it: key = correlation_id. */
export function makeOutgoingRecord(event: HopEventInput, headers?: Record<string, string>): OutgoingRecord {
  return { key: event.correlation_id, value: JSON.stringify(event), headers }
}
