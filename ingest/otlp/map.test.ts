import { describe, expect, it } from 'vitest'
import { hopEventSchema, type HopEvent } from '../../server/domain/hop-event'
import { createSpanMapper, type SpanMapping } from './map'
import { parseOtlpMappingConfig } from '../../server/domain/otlp-mapping'
import { makeSpan } from './testing/spans'

/** Mapping rules beyond the SDK scenarios of sdk.test.ts, on decoded spans built in memory. */

const defaults = createSpanMapper(parseOtlpMappingConfig({}))
const erp = { 'http.request.method': 'POST', 'url.full': 'https://s4hana.corp.example:44300/sap/opu/odata/confirm' }

function onlyHop(mapping: SpanMapping): HopEvent {
  if (mapping.kind !== 'hops' || mapping.events.length !== 1) throw new Error(`expected one hop, got ${JSON.stringify(mapping)}`)
  return mapping.events[0]!
}

describe('createSpanMapper', () => {
  it('reads the configured attribute names, service rules and ERP hosts', () => {
    const mapSpan = createSpanMapper(
      parseOtlpMappingConfig({
        services: [{ service: 'camel-*', hop: 'edge', plant: '1110', flow: 'goods_movement', processEventType: 'integration.validated' }],
        erpHosts: ['*.corp.example'],
        attributes: { correlationId: ['x.cid'], plant: ['x.plant'], businessKeys: { work_order: ['aufnr'] } },
      }),
    )
    const process = makeSpan({
      kind: 'consumer',
      attributes: { 'messaging.operation': 'process', 'x.cid': 'C-9', aufnr: '155000000099', 'linetrace.work_order': 'not read' },
      resource: { 'service.name': 'camel-goods' },
    })
    expect(onlyHop(mapSpan(process))).toMatchObject({
      event_type: 'integration.validated',
      hop: 'edge',
      plant: '1110',
      flow: 'goods_movement',
      correlation_id: 'C-9',
      business: { work_order: '155000000099' },
    })
    const call = makeSpan({ kind: 'client', attributes: { ...erp, 'http.status_code': 409, 'x.plant': '3000' } })
    expect(onlyHop(mapSpan(call))).toMatchObject({ event_type: 'erp.posting_failed', hop: 'erp', plant: '3000', error: { category: 'transient', http_status: 409 } })
    // The default ERP host patterns do not know this host: an ordinary HTTP call, no hop.
    expect(defaults(call)).toMatchObject({ kind: 'ignored' })
  })

  it('maps every field of a span with all of them: the whole event, exactly', () => {
    const link = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), attributes: {} }
    const span = makeSpan({
      kind: 'consumer',
      parentSpanId: 'c'.repeat(16),
      links: [link],
      status: { code: 'error', message: 'posting refused' },
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation': 'process',
        'http.request.resend_count': 2,
        'linetrace.work_order': 'WO-7',
        'linetrace.quantity.good': 12,
        'linetrace.origin_time': '2026-11-24T08:00:00.000Z',
        'linetrace.idempotency_key': 'conf-7',
        'linetrace.replay_id': 'rp-7',
        'linetrace.error.category': 'dependency',
        'linetrace.error.dependency_key': 'erp:S4',
      },
      resource: { 'service.name': 'camel-confirmations', 'service.instance.id': 'camel-1', 'linetrace.plant': '2000' },
    })
    const hop = onlyHop(defaults(span))
    expect(hop).toEqual({
      event_id: '5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174',
      event_type: 'integration.transformed',
      schema_version: 1,
      occurred_at: '2025-12-04T23:00:00.250Z',
      origin_time: '2026-11-24T08:00:00.000Z',
      correlation_id: 'a'.repeat(32),
      causation_id: `${'a'.repeat(32)}:${'b'.repeat(16)}`,
      idempotency_key: 'conf-7',
      trace_id: '5b8efff798038103d269b633813fc60c',
      span_id: 'eee19b7ec3c1b174',
      parent_span_id: 'c'.repeat(16),
      flow: hop.flow,
      hop: hop.hop,
      status: 'error',
      plant: '2000',
      source: { system: 'camel-confirmations', instance: 'camel-1' },
      business: { work_order: 'WO-7', quantity: { good: 12 } },
      latency_ms: 250,
      attempt: 3,
      error: { ...hop.error, category: 'dependency', retryable: true, dependency_key: 'erp:S4' },
      replay: { replay_id: 'rp-7' },
      attributes: {
        'otel.span_name': 'send confirmations',
        'otel.span_kind': 'consumer',
        'otel.scope': 'test',
        'otel.link.trace_id': 'a'.repeat(32),
        'otel.link.span_id': 'b'.repeat(16),
        'messaging.operation.type': 'process',
        ...Object.fromEntries(Object.entries(span.attributes).map(([key, value]) => [key, String(value)])),
        // The resource is stored once (resources.test.ts), not copied onto each hop.
        'otel.resource_id': expect.stringMatching(/^[0-9a-f]{16}$/),
      },
    })
    expect(hopEventSchema.safeParse(hop).success).toBe(true)
    // Without the optional attributes no optional field has a value; every hop still holds every
    // field, in one order (one object shape for the worker's normalise and rows: map.ts workerCopy).
    const plain = onlyHop(defaults(makeSpan({ endTimeUnixNano: 0n, resource: { 'service.name': 'camel-confirmations', 'linetrace.plant': '2000' } })))
    expect(Object.keys(plain)).toEqual(Object.keys(hop))
    expect(Object.entries(plain).filter(([, value]) => value !== undefined).map(([key]) => key).sort()).toEqual(
      ['event_id', 'event_type', 'schema_version', 'occurred_at', 'correlation_id', 'trace_id', 'span_id', 'flow', 'hop', 'status', 'plant', 'source', 'attributes'].sort(),
    )
    expect(plain.source).toEqual({ system: 'camel-confirmations' })
  })

  it('a single-link consumer span is keyed by the link first, with the link as its cause', () => {
    const link = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), attributes: { 'linetrace.correlation_id': 'from-link' } }
    const hop = onlyHop(defaults(makeSpan({ kind: 'consumer', attributes: { 'messaging.operation.type': 'receive', 'messaging.kafka.message.key': 'key-1' }, links: [link] })))
    expect(hop).toMatchObject({
      event_type: 'integration.message_received',
      event_id: '5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174',
      correlation_id: 'from-link',
      causation_id: `${'a'.repeat(32)}:${'b'.repeat(16)}`,
      attributes: { 'otel.link.trace_id': 'a'.repeat(32) },
    })
    // Without attribute or key on either, the link's trace is the transaction.
    const bare = onlyHop(defaults(makeSpan({ kind: 'consumer', attributes: { 'messaging.operation.type': 'process' }, links: [{ ...link, attributes: {} }] })))
    expect(bare.correlation_id).toBe('a'.repeat(32))
  })

  it('adds the current messaging names where a span has only the older ones', () => {
    const older = { 'messaging.operation': 'receive', 'messaging.kafka.consumer.group': 'hub', 'messaging.kafka.partition': 3, 'messaging.kafka.message.offset': 42 }
    const hop = onlyHop(defaults(makeSpan({ kind: 'consumer', attributes: older })))
    expect(hop.attributes).toMatchObject({
      ...Object.fromEntries(Object.entries(older).map(([key, value]) => [key, String(value)])),
      'messaging.operation.type': 'receive',
      'messaging.consumer.group.name': 'hub',
      'messaging.destination.partition.id': '3',
      'messaging.kafka.offset': '42',
    })
  })

  it('passes over correlation values too long for a correlation id', () => {
    const hop = onlyHop(defaults(makeSpan({ attributes: { 'messaging.operation.type': 'send', 'messaging.kafka.message.key': 'k'.repeat(129) } })))
    expect(hop.correlation_id).toBe('5b8efff798038103d269b633813fc60c')
  })

  it('bounds the attributes: 64 keys, 1 KiB per value', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'é'.repeat(600)]))
    const hop = onlyHop(defaults(makeSpan({ attributes: { 'messaging.operation.type': 'send', ...many } })))
    expect(Object.keys(hop.attributes!)).toHaveLength(64)
    expect(Buffer.byteLength(hop.attributes!.k0!)).toBe(1024)
  })

  it('makes attributes the hop contract accepts whatever the span holds (the mapper validates every other field)', () => {
    const odd = {
      ['k'.repeat(129)]: 'key too long for the contract',
      long: 'x'.repeat(5000),
      wide: '😀'.repeat(1500),
      nested: { list: [1, true, null, 'é'.repeat(3000)] },
      number: 12.5,
      none: null,
    }
    const hop = onlyHop(defaults(makeSpan({ attributes: { 'messaging.operation.type': 'send', ...odd }, resource: { 'service.name': 'camel-x', 'linetrace.plant': '2000', ['r'.repeat(200)]: 'y' } })))
    expect(Object.keys(hop.attributes!)).toEqual(expect.arrayContaining(['long', 'wide', 'nested', 'number']))
    expect(hopEventSchema.safeParse(hop).error?.issues).toBeUndefined()
  })

  it("keeps attributes named like Object.prototype's members (constructor, toString, __proto__)", () => {
    // As the decoder makes them (decode.test.ts): own properties, __proto__ included.
    const named = JSON.parse('{"constructor":"c","toString":"t","__proto__":"p","hasOwnProperty":"h"}') as Record<string, string>
    const hop = onlyHop(defaults(makeSpan({ attributes: { 'messaging.operation.type': 'send', ...named } })))
    expect(Object.entries(hop.attributes!)).toEqual(expect.arrayContaining([['constructor', 'c'], ['toString', 't'], ['__proto__', 'p'], ['hasOwnProperty', 'h']]))
  })

  it('classifies errors without an HTTP status by their type', () => {
    const failed = (type: string) =>
      onlyHop(defaults(makeSpan({ attributes: { 'messaging.operation.type': 'send', 'error.type': type }, status: { code: 'error', message: 'send failed' } }))).error
    expect(failed('KafkaJSRequestTimeoutError')).toEqual({ category: 'transient', code: 'KafkaJSRequestTimeoutError', text: 'send failed', retryable: true })
    expect(failed('KafkaJSNonRetriableError')).toMatchObject({ category: 'permanent', retryable: false })
  })

  it('ignores what is no hop and refuses what the contract refuses', () => {
    expect(defaults(makeSpan({ kind: 'server', attributes: { 'http.request.method': 'GET' } }))).toMatchObject({ kind: 'ignored' })
    expect(defaults(makeSpan({ attributes: { 'messaging.operation.type': 'settle' } }))).toMatchObject({ kind: 'ignored', message: expect.stringContaining('settle') })
    expect(defaults(makeSpan({ kind: 'client', attributes: { 'messaging.operation.type': 'receive', 'messaging.batch.message_count': 10 } }))).toMatchObject({ kind: 'ignored' })
    expect(defaults(makeSpan({ attributes: { 'linetrace.event_type': 'quality.hold_placed', 'linetrace.plant': 'plant 2000!' } }))).toMatchObject({
      kind: 'unmapped',
      reason: 'schema',
      errors: [{ path: 'plant', message: expect.stringContaining('ERP plant code') }],
    })
  })
  it('takes the hop fields a Linetrace-aware span names (hop-fields.ts): origin, status, error category, quantity, replay', () => {
    const partial = onlyHop(
      defaults(
        makeSpan({
          kind: 'client',
          attributes: {
            ...erp,
            'http.response.status_code': 201,
            'linetrace.event_type': 'erp.posting_partially_succeeded',
            'linetrace.plant': '2100',
            'linetrace.status': 'partial',
            'linetrace.origin_time': '2026-11-24T08:00:00.000Z',
            'linetrace.idempotency_key': 'conf-1',
            'linetrace.replay_id': 'rp-1',
            'linetrace.error.category': 'partial',
            'linetrace.error.dependency_key': 'mat:RM1|plant:2100',
            'linetrace.quantity.good': 12,
            'linetrace.quantity.uom': 'PC',
            'error.type': 'M7/021',
          },
        }),
      ),
    )
    expect(partial).toMatchObject({
      event_type: 'erp.posting_partially_succeeded',
      status: 'partial',
      origin_time: '2026-11-24T08:00:00.000Z',
      idempotency_key: 'conf-1',
      replay: { replay_id: 'rp-1' },
      business: { quantity: { good: 12, uom: 'PC' } },
      error: { category: 'partial', code: 'M7/021', retryable: false, dependency_key: 'mat:RM1|plant:2100' },
    })
    const plain = onlyHop(defaults(makeSpan({ kind: 'client', attributes: { 'http.request.method': 'POST', 'server.address': 'erp.corp.example', 'http.response.status_code': 201 } })))
    expect(plain.status).toBe('ok')
    expect(plain.origin_time).toBeUndefined()
    expect(plain.error).toBeUndefined()
    expect(defaults(makeSpan({ attributes: { 'messaging.operation.type': 'send', 'linetrace.status': 'lost' } }))).toMatchObject({ kind: 'unmapped', reason: 'schema', errors: [{ path: 'status' }] })
  })
})
