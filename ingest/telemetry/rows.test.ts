import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ClickHouse } from '../../server/clickhouse/client'
import { chInsert, chQuery } from '../../server/clickhouse/exec'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { openTestClickHouse } from '../../server/clickhouse/testing'
import { hopEventSchema, type HopEventInput } from '../../server/domain/hop-event'
import { decodeRecord } from './decode'
import { FIXTURE_DAY, makeBinaryRecord, makeHopEvent, makePlainRecord, makeStructuredRecord } from '../testing/telemetry-records'
import { normalise } from './normalise'
import { OriginCache } from './origin-cache'
import { toHopEventRow, toHopPayloadRow } from './rows'

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse

beforeAll(async () => {
  engine = openTestClickHouse('ingest-rows')
  ch = engine.ch
  await migrateClickHouse(ch)
})
afterAll(async () => {
  await engine?.dispose()
})

const NOW = new Date(`${FIXTURE_DAY}T13:10:00.000Z`)
const at = (offset: string) => ({ topic: 'lt.telemetry', partition: 2, offset })

function rowsOf(input: HopEventInput, offset = '7') {
  const e = normalise(hopEventSchema.parse(input), {}, new OriginCache(), NOW)
  return { event: toHopEventRow(e, at(offset), false), payload: toHopPayloadRow(e, JSON.stringify(e.payload ?? null)) }
}

async function columns(table: string): Promise<{ name: string; default_kind: string }[]> {
  const r = await chQuery<{ name: string; default_kind: string }>(ch, {
    name: 'test.columns',
    sql: 'SELECT name, default_kind FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position',
    params: { db: ch.database, t: table },
  })
  return r.rows
}

describe('column names', () => {
  test('a hop_events row has a key for every writable column and nothing else', async () => {
    const writable = (await columns('hop_events')).filter((c) => c.default_kind !== 'MATERIALIZED').map((c) => c.name)
    // Left to their DEFAULTs on purpose: the insert time (the ReplacingMergeTree version) and a flag derived from replay_id.
    const expected = writable.filter((n) => n !== 'ingested_at' && n !== 'replayed').sort()
    expect(Object.keys(rowsOf(makeHopEvent()).event).sort()).toEqual(expected)
  })

  test('a hop_payloads row has exactly the columns of hop_payloads', async () => {
    expect(Object.keys(rowsOf(makeHopEvent()).payload).sort()).toEqual((await columns('hop_payloads')).map((c) => c.name).sort())
  })
})

describe('inserting rows', () => {
  test('a full event lands with every field in its column', async () => {
    const input = makeHopEvent({
      status: 'error',
      occurred_at: `${FIXTURE_DAY}T14:05:00.123+01:00`,
      error: { category: 'dependency', code: 'M7/021', text: 'Deficit of A706 10 PC', retryable: true, dependency_key: 'mat:A706|plant:2000|sloc:0001' },
      replay: { replay_id: 'rp-1', requested_by: 'op@example.test' },
    })
    const { event, payload } = rowsOf(input, '9007199254740993')
    await chInsert(ch, { table: 'hop_events', rows: [event] })
    await chInsert(ch, { table: 'hop_payloads', rows: [payload] })
    const r = await chQuery<Record<string, unknown>>(ch, {
      name: 'test.row',
      sql: `SELECT *, since_origin_ms, toString(src_offset) AS offset_text, toString(occurred_at) AS occurred_text
            FROM ${ch.database}.hop_events WHERE event_id = {id:String}`,
      params: { id: input.event_id },
    })
    expect(r.rows).toHaveLength(1)
    expect(r.rows[0]).toMatchObject({
      occurred_text: `${FIXTURE_DAY} 13:05:00.123`,
      origin_time: `${FIXTURE_DAY} 13:00:00.000`,
      recorded_at: `${FIXTURE_DAY} 13:10:00.000`,
      since_origin_ms: 300_123,
      correlation_id: input.correlation_id,
      causation_id: 'evt-cause-1',
      idempotency_key: 'idem-1',
      trace_id: input.trace_id,
      span_id: input.span_id,
      parent_span_id: input.parent_span_id,
      plant: '2000',
      line: 'L1',
      work_center: 'WC-10',
      storage_location: '0001',
      location_path: 'acme.2000.assembly.l1.c1',
      source_system: 'ERP',
      source_instance: 'erp-prd',
      work_order: 'WO-1',
      operation: '0010',
      material: 'A706',
      lot: 'LOT-7',
      serials: ['S1', 'S2'],
      handling_unit: 'HU-1',
      shipment: 'SH-1',
      qty_good: 10,
      qty_scrap: 1.5,
      uom: 'PC',
      erp_document: '4900001234',
      latency_ms: 640,
      attempt: 1,
      error_category: 'dependency',
      error_code: 'M7/021',
      error_text: 'Deficit of A706 10 PC',
      error_retryable: true,
      dependency_key: 'mat:A706|plant:2000|sloc:0001',
      replay_id: 'rp-1',
      replayed: true,
      payload_truncated: false,
      attributes: { shift: 'A', 'mes.order_type': 'PP01' },
      src_topic: 'lt.telemetry',
      src_partition: 2,
      offset_text: '9007199254740993',
    })
    const p = await chQuery<{ payload: string; content_type: string }>(ch, {
      name: 'test.payload',
      sql: `SELECT payload, content_type FROM ${ch.database}.hop_payloads WHERE event_id = {id:String}`,
      params: { id: input.event_id },
    })
    expect(p.rows).toEqual([{ payload: JSON.stringify(input.payload), content_type: 'application/json' }])
  })

  test('a minimal event gets the column defaults (latency unknown = NULL, not 0)', async () => {
    const input: HopEventInput = {
      event_id: `min-${Date.now()}`,
      event_type: 'shopfloor.production_counted',
      occurred_at: `${FIXTURE_DAY}T13:00:00Z`,
      correlation_id: 'min-txn',
      flow: 'production_confirmation',
      hop: 'machine',
      status: 'ok',
      plant: '2000',
    }
    await chInsert(ch, { table: 'hop_events', rows: [rowsOf(input).event] })
    const r = await chQuery<Record<string, unknown>>(ch, {
      name: 'test.row',
      sql: `SELECT origin_time, latency_ms, attempt, error_category, serials, attributes, replayed, qty_good FROM ${ch.database}.hop_events WHERE event_id = {id:String}`,
      params: { id: input.event_id },
    })
    expect(r.rows).toEqual([
      { origin_time: `${FIXTURE_DAY} 13:00:00.000`, latency_ms: null, attempt: 0, error_category: '', serials: [], attributes: {}, replayed: false, qty_good: 0 },
    ])
  })

  test('the three encodings insert identical rows', async () => {
    const input = makeHopEvent()
    const rows = [makePlainRecord(input), makeStructuredRecord(input), makeBinaryRecord(input)].map((rec, i) => {
      const d = decodeRecord(rec)
      if (!d.ok) throw new Error(`${d.reason}: ${JSON.stringify(d.errors)}`)
      return toHopEventRow(normalise(d.event, rec.headers, new OriginCache(), NOW, d.traceparent), at(String(100 + i)), d.payloadTruncated)
    })
    // One insert each, as three deliveries would be.
    for (const row of rows) await chInsert(ch, { table: 'hop_events', rows: [row] })
    const r = await chQuery<Record<string, unknown>>(ch, {
      name: 'test.rows',
      sql: `SELECT * EXCEPT (src_offset, ingested_at) FROM ${ch.database}.hop_events WHERE event_id = {id:String}`,
      params: { id: input.event_id },
    })
    expect(r.rows).toHaveLength(3)
    expect(r.rows[1]).toEqual(r.rows[0])
    expect(r.rows[2]).toEqual(r.rows[0])
  })
})
