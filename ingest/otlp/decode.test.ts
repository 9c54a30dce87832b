import { randomBytes } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { checkTraceRequest, decodeTraceRequest, OtlpDecodeError } from './decode'

/**
 * What the receiver must refuse, and the OTLP/JSON spellings the SDK exporters do not use but other
 * senders (collectors, curl users) do. Bodies that are valid come from the real exporters in sdk.test.ts.
 */

const TRACE = '5b8efff798038103d269b633813fc60c'
const SPAN = 'eee19b7ec3c1b174'

/** The OTLP/JSON of the specification's example: enum names, 64-bit integers as strings, hex ids. */
function otlpJson(spans: object[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'camel-orders' } }] },
          scopeSpans: [{ scope: { name: 'my.library', version: '1.0.0' }, spans }],
        },
      ],
    }),
  )
}

const span = {
  traceId: TRACE,
  spanId: SPAN,
  parentSpanId: '',
  name: 'send orders',
  kind: 'SPAN_KIND_PRODUCER',
  startTimeUnixNano: '1764889200123456789',
  endTimeUnixNano: '1764889200223456789',
  attributes: [
    { key: 'messaging.kafka.message.key', value: { stringValue: 'conf-1' } },
    { key: 'messaging.kafka.offset', value: { intValue: '42' } },
    { key: 'big', value: { intValue: '9007199254740993' } },
    { key: 'negative', value: { intValue: '-4294967297' } },
    { key: 'big.negative', value: { intValue: '-9007199254740993' } },
    { key: 'ratio', value: { doubleValue: 0.5 } },
    { key: 'ok', value: { boolValue: true } },
    { key: 'list', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1 }] } } },
    { key: 'constructor', value: { stringValue: 'c' } },
    { key: '__proto__', value: { stringValue: 'p' } },
  ],
  links: [{ traceId: TRACE.replace('5b', '6c'), spanId: SPAN.replace('ee', 'ff'), attributes: [] }],
  status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
}

function failure(run: () => unknown): OtlpDecodeError {
  try {
    run()
  } catch (error) {
    if (error instanceof OtlpDecodeError) return error
    throw error
  }
  throw new Error('expected an OtlpDecodeError')
}

describe('decodeTraceRequest', () => {
  it('reads OTLP/JSON with enum names, 64-bit integers as text and hex ids, and gives it back as protobuf', () => {
    const decoded = decodeTraceRequest(otlpJson([span]), { contentType: 'application/json; charset=utf-8' })
    expect(decoded).toMatchObject({ encoding: 'json', rejectedSpans: 0 })
    expect(decoded.spans).toEqual([
      {
        traceId: TRACE,
        spanId: SPAN,
        name: 'send orders',
        kind: 'producer',
        startTimeUnixNano: 1764889200123456789n,
        endTimeUnixNano: 1764889200223456789n,
        attributes: { 'messaging.kafka.message.key': 'conf-1', 'messaging.kafka.offset': 42, big: '9007199254740993', negative: -4294967297, 'big.negative': '-9007199254740993', ratio: 0.5, ok: true, list: ['a', 1], constructor: 'c', ['__proto__']: 'p' },
        events: [],
        links: [{ traceId: TRACE.replace('5b', '6c'), spanId: SPAN.replace('ee', 'ff'), attributes: {} }],
        status: { code: 'error', message: 'boom' },
        resource: { 'service.name': 'camel-orders' },
        scope: { name: 'my.library', version: '1.0.0' },
      },
    ])
    const again = decodeTraceRequest(decoded.protobuf, { contentType: 'application/x-protobuf' })
    expect(again.spans).toEqual(decoded.spans)
  })

  it('reads every int64 exactly (a number when safe, else decimal text) and every id as lowercase hex', () => {
    // Random 64-bit values around the edges that matter: the halves' boundaries and ±2^53.
    const edges = [0n, 1n, -1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, -(2n ** 32n), 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n) + 1n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)]
    const random = Array.from({ length: 500 }, (_, i) => BigInt.asIntN(64, BigInt(`0x${randomBytes(8).toString('hex')}`) >> BigInt(i % 64)))
    const values = [...edges, ...random]
    const ids = values.map(() => ({ traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') }))
    const spans = values.map((v, i) => ({ ...span, ...ids[i], links: [], attributes: [{ key: 'n', value: { intValue: v.toString() } }] }))
    const json = decodeTraceRequest(otlpJson(spans), { contentType: 'application/json' })
    const decoded = decodeTraceRequest(json.protobuf, { contentType: 'application/x-protobuf' })
    expect(decoded.spans.map((s) => s.attributes.n)).toEqual(values.map((v) => (v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n ? Number(v) : v.toString())))
    expect(decoded.spans.map((s) => ({ traceId: s.traceId, spanId: s.spanId }))).toEqual(ids)
  })

  it('accepts gzip and keeps the good spans of a body with bad ids (partial success)', () => {
    const body = otlpJson([span, { ...span, name: 'bad trace', traceId: 'xyz' }, { ...span, name: 'zero span', spanId: '0000000000000000' }])
    const decoded = decodeTraceRequest(gzipSync(body), { contentType: 'application/json', contentEncoding: 'gzip' })
    expect(decoded.spans.map((s) => s.name)).toEqual(['send orders'])
    expect(decoded.rejectedSpans).toBe(2)
    expect(decoded.rejectionMessage).toBe(
      'span "bad trace": traceId must be 16 bytes (32 hex digits), not all zero; span "zero span": spanId must be 8 bytes (16 hex digits), not all zero',
    )
    expect(decoded.acceptedSpans).toBe(1)
  })

  it("the receiver's check counts, rejects and re-encodes as decoding does, without the spans", () => {
    const body = gzipSync(otlpJson([span, { ...span, spanId: SPAN.replace('ee', 'aa') }, { ...span, name: 'bad trace', traceId: 'xyz' }]))
    const options = { contentType: 'application/json', contentEncoding: 'gzip' }
    const { spans, ...decoded } = decodeTraceRequest(body, options)
    expect(spans).toHaveLength(2)
    expect(checkTraceRequest(body, options)).toEqual({ ...decoded, acceptedSpans: 2, rejectedSpans: 1 })
    expect(() => checkTraceRequest(Buffer.from('no protobuf'), { contentType: 'application/x-protobuf' })).toThrow(OtlpDecodeError)
  })

  it('refuses what it cannot read with the HTTP status and a message', () => {
    const cases: [() => unknown, string, number, RegExp][] = [
      [() => decodeTraceRequest(otlpJson([span]), { contentType: 'text/plain' }), 'unsupported_media_type', 415, /text\/plain.*application\/x-protobuf/],
      [() => decodeTraceRequest(otlpJson([span]), { contentType: undefined }), 'unsupported_media_type', 415, /\(none\)/],
      [() => decodeTraceRequest(otlpJson([span]), { contentType: 'application/json', contentEncoding: 'br' }), 'unsupported_encoding', 415, /"br"/],
      [() => decodeTraceRequest(otlpJson([span]), { contentType: 'application/json', contentEncoding: 'gzip' }), 'bad_gzip', 400, /not valid gzip/],
      [() => decodeTraceRequest(gzipSync(Buffer.alloc(2048)), { contentType: 'application/x-protobuf', contentEncoding: 'gzip', maxBytes: 1024 }), 'too_large', 413, /inflates to more than 1024/],
      [() => decodeTraceRequest(Buffer.alloc(2048), { contentType: 'application/x-protobuf', maxBytes: 1024 }), 'too_large', 413, /2048 bytes/],
      [() => decodeTraceRequest(Buffer.from('this is no protobuf'), { contentType: 'application/x-protobuf' }), 'not_protobuf', 400, /not an OTLP ExportTraceServiceRequest/],
      [() => decodeTraceRequest(Buffer.from('{"resourceSpans": ['), { contentType: 'application/json' }), 'not_json', 400, /not UTF-8 JSON/],
      [() => decodeTraceRequest(Buffer.from([0x7b, 0xff, 0x7d]), { contentType: 'application/json' }), 'not_json', 400, /not UTF-8 JSON/],
      [() => decodeTraceRequest(Buffer.from('[]'), { contentType: 'application/json' }), 'schema', 400, /JSON object with resourceSpans/],
      [() => decodeTraceRequest(Buffer.from('{"resourceSpans": 5}'), { contentType: 'application/json' }), 'schema', 400, /resourceSpans: array expected/],
    ]
    for (const [run, reason, status, message] of cases) {
      const error = failure(run)
      expect({ reason: error.reason, status: error.status }).toEqual({ reason, status })
      expect(error.message).toMatch(message)
    }
  })

  it('an empty body is an empty request, as in the OTLP spec', () => {
    expect(decodeTraceRequest(Buffer.alloc(0), { contentType: 'application/x-protobuf' })).toMatchObject({ spans: [], rejectedSpans: 0 })
  })
})
