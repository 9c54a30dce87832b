import { describe, expect, test } from 'vitest'
import { hopEventSchema, MAX_PAYLOAD_BYTES } from '../../server/domain/hop-event'
import { cutUtf8, decodeRecord, MAX_RECORD_BYTES, type Decoded } from './decode'
import { FIXTURE_DAY, makeBinaryRecord, COORDS, makeHopEvent, makePlainRecord, makeRawRecord, makeStructuredRecord } from '../testing/telemetry-records'
import { normalise } from './normalise'
import { OriginCache } from './origin-cache'
import { toHopEventRow, toHopPayloadRow } from './rows'

function ok(d: Decoded) {
  if (!d.ok) throw new Error(`expected a valid event, got ${d.reason}: ${JSON.stringify(d.errors)}`)
  return d
}

function failure(d: Decoded) {
  if (d.ok) throw new Error(`expected a failure, got the event ${JSON.stringify(d.event)}`)
  return d
}

describe('the three encodings', () => {
  const input = makeHopEvent()
  const plain = ok(decodeRecord(makePlainRecord(input)))
  const variants = {
    'structured (content-type header)': makeStructuredRecord(input),
    'structured (specversion + data, no header)': makeStructuredRecord(input, { contentTypeHeader: false }),
    binary: makeBinaryRecord(input),
  }

  test.each(Object.entries(variants))('%s decodes to the same event as plain JSON', (_, rec) => {
    const d = ok(decodeRecord(rec))
    expect(d.event).toEqual(plain.event)
    expect(d.payloadJson).toBe(plain.payloadJson)
    expect(d.payloadTruncated).toBe(false)
  })

  test.each(Object.entries(variants))('%s gives the same rows as plain JSON', (_, rec) => {
    const now = new Date(`${FIXTURE_DAY}T13:06:00Z`)
    const rowsOf = (d: Extract<Decoded, { ok: true }>, headers = rec.headers) => {
      const e = normalise(d.event, headers, new OriginCache(), now, d.traceparent)
      return [toHopEventRow(e, COORDS, d.payloadTruncated), toHopPayloadRow(e, d.payloadJson!)]
    }
    expect(rowsOf(ok(decodeRecord(rec)))).toEqual(rowsOf(plain, {}))
  })

  test('plain JSON keeps every field, defaults applied', () => {
    expect(plain.encoding).toBe('json')
    expect(plain.event).toMatchObject({ ...input, schema_version: 1 })
    expect(JSON.parse(plain.payloadJson!)).toEqual(input.payload)
  })

  test('unknown fields are dropped at every level and schema_version defaulted, as zod reads the record', () => {
    const { schema_version: _, ...input } = makeHopEvent()
    const sent = { ...input, extra: 1, source: { system: 'ERP', x: 2 }, replay: { replay_id: 'r', y: [] } }
    expect(ok(decodeRecord(makePlainRecord(sent))).event).toEqual(hopEventSchema.parse(sent))
  })

  test('fields present in the hop data win over CloudEvent attributes', () => {
    const e = makeHopEvent()
    const rec = makeStructuredRecord(e)
    const ce = JSON.parse(rec.value!.toString())
    ce.data.event_id = 'from-data'
    ce.data.occurred_at = `${FIXTURE_DAY}T14:00:00Z`
    const d = ok(decodeRecord({ ...rec, value: Buffer.from(JSON.stringify(ce)) }))
    expect(d.event.event_id).toBe('from-data')
    expect(d.event.occurred_at).toBe(`${FIXTURE_DAY}T14:00:00Z`)
    expect(d.event.correlation_id).toBe(e.correlation_id)

    const bin = makeBinaryRecord(e)
    const body = JSON.parse(bin.value!.toString())
    const d2 = ok(decodeRecord({ ...bin, value: Buffer.from(JSON.stringify({ ...body, event_type: 'from.body' })) }))
    expect(d2.event.event_type).toBe('from.body')
  })

  test('a structured CloudEvent carries its traceparent extension to normalise', () => {
    const { trace_id: _t, span_id: _s, ...e } = makeHopEvent()
    const d = ok(decodeRecord(makeStructuredRecord(e, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })))
    expect(d.encoding).toBe('cloudevents-structured')
    expect(d.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
  })
})

describe('invalid records', () => {
  const cases: [string, ReturnType<typeof makeRawRecord>, string, string][] = [
    ['no value', makeRawRecord(null), 'empty', ''],
    ['an empty value', makeRawRecord(''), 'empty', ''],
    ['bytes that are not UTF-8', makeRawRecord(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 'not_utf8', ''],
    ['a truncated UTF-8 sequence', makeRawRecord(Buffer.concat([Buffer.from('{"a":"'), Buffer.from('€').subarray(0, 2), Buffer.from('"}')])), 'not_utf8', ''],
    ['text that is not JSON', makeRawRecord('event_id=1;plant=2000'), 'not_json', ''],
    ['an unterminated JSON object', makeRawRecord('{"event_id":"e1",'), 'not_json', ''],
    ['a JSON array', makeRawRecord('[1,2]'), 'schema', ''],
    ['a structured CloudEvent of another spec version', makeStructuredRecord(makeHopEvent()), 'not_cloudevent', 'specversion'],
    ['a binary CloudEvent of another spec version', makeBinaryRecord(makeHopEvent(), { ce_specversion: '0.3' }), 'not_cloudevent', 'ce_specversion'],
    ['a binary CloudEvent with XML data', makeBinaryRecord(makeHopEvent(), { 'content-type': 'application/xml' }), 'not_cloudevent', 'content-type'],
  ]
  // The structured case above needs its spec version changed.
  const ce = JSON.parse(cases[7]![1].value!.toString())
  cases[7]![1] = { ...cases[7]![1], value: Buffer.from(JSON.stringify({ ...ce, specversion: '2.0' })) }

  test.each(cases)('%s → %s', (_, rec, reason, path) => {
    const d = failure(decodeRecord(rec))
    expect(d.reason).toBe(reason)
    expect(d.errors.length).toBeGreaterThan(0)
    expect(d.errors[0]!.path).toBe(path)
    expect(d.errors[0]!.message).toEqual(expect.any(String))
  })

  test('a structured CloudEvent whose data is not an object', () => {
    const d = failure(decodeRecord(makeRawRecord(JSON.stringify({ specversion: '1.0', id: 'x', data: 'hello' }), { 'content-type': 'application/cloudevents+json' })))
    expect(d).toMatchObject({ reason: 'not_cloudevent', errors: [{ path: 'data' }] })
  })

  test('wrong types are schema errors naming each field', () => {
    const d = failure(decodeRecord(makePlainRecord({ ...makeHopEvent(), latency_ms: 'fast', status: 'done', business: { quantity: { good: '10' } } })))
    expect(d.reason).toBe('schema')
    expect(d.errors.map((e) => e.path).sort()).toEqual(['business.quantity.good', 'latency_ms', 'status'])
  })

  test('the errors of a rejected record are every issue zod finds, unknown fields and defaults notwithstanding', () => {
    const { schema_version: _, ...e } = makeHopEvent()
    const sent = { ...e, extra: 1, plant: 'not a plant', error: { category: 'fatal', x: 1 }, attributes: { k: 5 } }
    const issues = hopEventSchema.safeParse(structuredClone(sent)).error!.issues
    expect(failure(decodeRecord(makePlainRecord(sent))).errors).toEqual(issues.map((i) => ({ path: i.path.join('.'), message: i.message })))
    expect(issues.length).toBeGreaterThanOrEqual(5)
  })

  test('a missing correlation_id is a schema error on correlation_id', () => {
    const { correlation_id: _, ...e } = makeHopEvent()
    const d = failure(decodeRecord(makePlainRecord(e)))
    expect(d).toMatchObject({ reason: 'schema', errors: [{ path: 'correlation_id' }] })
  })

  test('a missing correlation id in binary mode (no body field, no ce_correlationid) is the same error', () => {
    const rec = makeBinaryRecord(makeHopEvent())
    delete rec.headers.ce_correlationid
    expect(failure(decodeRecord(rec))).toMatchObject({ reason: 'schema', errors: [{ path: 'correlation_id' }] })
  })

  test('a record over 1 MiB is too_large, whatever it holds', () => {
    const big = makePlainRecord({ ...makeHopEvent(), payload: 'x'.repeat(MAX_RECORD_BYTES) })
    expect(failure(decodeRecord(big))).toMatchObject({ reason: 'too_large', errors: [{ path: '' }] })
    const headersOnly = makeRawRecord('{}', { blob: Buffer.alloc(MAX_RECORD_BYTES) })
    expect(failure(decodeRecord(headersOnly)).reason).toBe('too_large')
  })

  test('values ClickHouse would wrap or refuse are schema errors', () => {
    expect(failure(decodeRecord(makePlainRecord({ ...makeHopEvent(), latency_ms: 5_000_000_000 })))).toMatchObject({
      reason: 'schema',
      errors: [{ path: 'latency_ms' }],
    })
    expect(failure(decodeRecord(makePlainRecord({ ...makeHopEvent(), schema_version: 70_000 })))).toMatchObject({
      reason: 'schema',
      errors: [{ path: 'schema_version' }],
    })
    // JSON.stringify writes a lone surrogate as the escape \ud800: legal JSON, refused by ClickHouse.
    const lone = makePlainRecord({ ...makeHopEvent(), attributes: { note: 'a\ud800b' }, payload: { ['k\udc00']: 1 } })
    expect(lone.value!.toString()).toContain('\\ud800')
    expect(failure(decodeRecord(lone))).toMatchObject({
      reason: 'schema',
      errors: [{ path: 'attributes.note' }, { path: 'payload.k\udc00' }],
    })
    // A proper pair written as escapes is fine.
    expect(decodeRecord(makeRawRecord(JSON.stringify(makeHopEvent()).replace('Grüße', '\\ud83d\\ude00'))).ok).toBe(true)
  })
})

describe('payloads', () => {
  test('a payload over MAX_PAYLOAD_BYTES is cut on a character boundary and flagged', () => {
    // 3-byte characters, so the cut lands inside one unless handled.
    const payload = { text: '€'.repeat(100_000) }
    const d = ok(decodeRecord(makePlainRecord(makeHopEvent({ payload }))))
    expect(d.payloadTruncated).toBe(true)
    const bytes = Buffer.byteLength(d.payloadJson!)
    expect(bytes).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES)
    expect(bytes).toBeGreaterThan(MAX_PAYLOAD_BYTES - 3)
    expect(d.payloadJson).not.toContain('\ufffd')
    expect(JSON.stringify(payload).startsWith(d.payloadJson!)).toBe(true)
  })

  test('a payload at the limit is kept whole; no payload, no payload text', () => {
    const payload = 'a'.repeat(MAX_PAYLOAD_BYTES - 2) // + 2 quotes = exactly the limit
    expect(ok(decodeRecord(makePlainRecord(makeHopEvent({ payload }))))).toMatchObject({ payloadTruncated: false, payloadJson: JSON.stringify(payload) })
    const { payload: _, ...e } = makeHopEvent()
    const d = ok(decodeRecord(makePlainRecord(e)))
    expect(d.payloadJson).toBeUndefined()
    expect(d.payloadTruncated).toBe(false)
  })

  test('cutUtf8 never splits a character', () => {
    const b = Buffer.from('ab€😀')
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => cutUtf8(b, n))).toEqual(['a', 'ab', 'ab', 'ab', 'ab€', 'ab€', 'ab€', 'ab€', 'ab€😀'])
  })
})
