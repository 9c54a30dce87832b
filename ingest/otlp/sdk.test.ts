import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HopEvent } from '../../server/domain/hop-event'
import { decodeTraceRequest } from './decode'
import { createSpanMapper, type SpanMapping } from './map'
import { parseOtlpMappingConfig } from '../../server/domain/otlp-mapping'
import { exportSpans, startOtlpCollector, startTestTracer, type CapturedRequest, type ExportEncoding, type OtlpCollector } from './testing'

/**
 * Spans made by the real OpenTelemetry SDK, sent by the real OTLP exporters (protobuf, gzip'd
 * protobuf, JSON) to a local HTTP server, decoded and mapped: what a plant's middleware would send.
 */

const mes = startTestTracer({ 'service.name': 'mes-confirmations', 'service.instance.id': 'mes-1', 'linetrace.plant': '2000' })
const hub = startTestTracer({ 'service.name': 'orders-hub', 'service.instance.id': 'hub-1', 'linetrace.plant': '2000' })
const wms = startTestTracer({ 'service.name': 'wms-putaway' })

const kafka = { 'messaging.system': 'kafka', 'messaging.destination.name': 'confirmations' }
const erpCall = { 'http.request.method': 'POST', 'server.address': 'erp.example.com', 'url.full': 'https://erp.example.com/sap/opu/odata/confirm' }

function ended(span: Span): Span {
  span.end()
  return span
}

// Two confirmations published by the MES: one with a message key, one without (the older
// `messaging.operation` name on the first, the current `messaging.operation.type` on the second).
const withKey = ended(
  mes.tracer.startSpan('publish confirmations', {
    kind: SpanKind.PRODUCER,
    attributes: { ...kafka, 'messaging.operation': 'publish', 'messaging.kafka.message.key': 'conf-1', 'linetrace.work_order': '155000000001', 'app.lot': '0000123456', operation: '0010' },
  }),
)
const withoutKey = ended(
  mes.tracer.startSpan('send confirmations', {
    kind: SpanKind.PRODUCER,
    attributes: { ...kafka, 'messaging.operation.type': 'send', 'messaging.destination.partition.id': '1', 'linetrace.work_order': '155000000002' },
  }),
)
// The hub processes both in one batch: one span linking to both messages' creation contexts.
const batch = hub.tracer.startSpan('process confirmations', {
  kind: SpanKind.CONSUMER,
  attributes: { ...kafka, 'messaging.operation.type': 'process', 'messaging.consumer.group.name': 'hub', 'messaging.batch.message_count': 2 },
  links: [
    { context: withKey.spanContext(), attributes: { 'messaging.kafka.message.key': 'conf-1', 'linetrace.work_order': '155000000001' } },
    { context: withoutKey.spanContext() },
  ],
})
const inBatch = trace.setSpan(ROOT_CONTEXT, batch)
const erpUnavailable = hub.tracer.startSpan('POST', {
  kind: SpanKind.CLIENT,
  attributes: { ...erpCall, 'http.response.status_code': 503, 'http.request.resend_count': 1, 'error.type': '503', 'linetrace.correlation_id': 'conf-1' },
}, inBatch)
erpUnavailable.setStatus({ code: SpanStatusCode.ERROR })
ended(erpUnavailable)
const erpPosted = ended(
  hub.tracer.startSpan('POST', {
    kind: SpanKind.CLIENT,
    attributes: { ...erpCall, 'http.response.status_code': 201, 'http.request.resend_count': 2, 'linetrace.correlation_id': 'conf-1', 'linetrace.erp_document': '4900001234' },
  }, inBatch),
)
const erpRejected = hub.tracer.startSpan('POST', {
  kind: SpanKind.CLIENT,
  attributes: { ...erpCall, 'http.response.status_code': 400, 'linetrace.correlation_id': 'conf-2' },
}, inBatch)
erpRejected.recordException({ name: 'ODataError', message: 'Material FG10023 not maintained in plant 2000' })
erpRejected.setStatus({ code: SpanStatusCode.ERROR })
ended(erpRejected)
const validation = hub.tracer.startSpan('validate', {
  kind: SpanKind.INTERNAL,
  attributes: { 'linetrace.event_type': 'integration.validation_failed', 'linetrace.correlation_id': 'conf-2', 'linetrace.flow': 'goods_movement' },
}, inBatch)
validation.recordException(new TypeError('quantity is missing'))
validation.setStatus({ code: SpanStatusCode.ERROR, message: 'invalid confirmation' })
ended(validation)
const dbQuery = ended(hub.tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } }, inBatch))
batch.end()
const noPlant = ended(wms.tracer.startSpan('send putaways', { kind: SpanKind.PRODUCER, attributes: { ...kafka, 'messaging.operation.type': 'send' } }))

const spans = [...mes.finished(), ...hub.finished(), ...wms.finished()]
const mapSpan = createSpanMapper(parseOtlpMappingConfig({}))
let collector: OtlpCollector
const sent = new Map<ExportEncoding, CapturedRequest>()

beforeAll(async () => {
  collector = await startOtlpCollector()
  for (const encoding of ['protobuf-gzip', 'json', 'protobuf'] as const) {
    await exportSpans(spans, encoding, collector.url)
    sent.set(encoding, collector.requests.at(-1)!)
  }
})
afterAll(() => collector.close())

function mapped(encoding: ExportEncoding): Map<string, SpanMapping> {
  const request = sent.get(encoding)!
  const decoded = decodeTraceRequest(request.body, {
    contentType: request.headers['content-type'],
    contentEncoding: request.headers['content-encoding'],
  })
  expect(decoded.rejectedSpans).toBe(0)
  return new Map(decoded.spans.map((span) => [span.spanId, mapSpan(span)]))
}

function hops(mappings: Map<string, SpanMapping>, span: Span): HopEvent[] {
  const mapping = mappings.get(span.spanContext().spanId)
  if (mapping?.kind !== 'hops') throw new Error(`span ${span.spanContext().spanId} is not a hop: ${JSON.stringify(mapping)}`)
  return mapping.events
}

const id = (span: Span) => `${span.spanContext().traceId}:${span.spanContext().spanId}`

describe('spans from the real SDK and OTLP exporters', () => {
  it('arrive as the OTLP content types the receiver accepts', () => {
    expect(sent.get('protobuf-gzip')!.headers).toMatchObject({ 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' })
    expect(sent.get('json')!.headers['content-type']).toBe('application/json')
    expect(sent.get('json')!.path).toBe('/v1/traces')
  })

  it('map to the same hop events from protobuf, gzip and JSON, and a re-export keeps every event id', () => {
    const fromProto = mapped('protobuf')
    expect(fromProto.size).toBe(spans.length)
    expect(mapped('json')).toEqual(fromProto)
    expect(mapped('protobuf-gzip')).toEqual(fromProto)
  })

  it('producer spans become integration.message_published hops keyed by message key, else trace id', () => {
    const m = mapped('json')
    const [keyed] = hops(m, withKey)
    expect(keyed).toMatchObject({
      event_id: id(withKey),
      event_type: 'integration.message_published',
      status: 'ok',
      hop: 'mes',
      plant: '2000',
      flow: 'production_confirmation',
      correlation_id: 'conf-1',
      trace_id: withKey.spanContext().traceId,
      span_id: withKey.spanContext().spanId,
      source: { system: 'mes-confirmations', instance: 'mes-1' },
      business: { work_order: '155000000001', lot: '0000123456', operation: '0010' },
    })
    expect(keyed!.error).toBeUndefined()
    expect(keyed!.attributes).toMatchObject({ 'otel.span_kind': 'producer', 'messaging.destination.name': 'confirmations', 'otel.resource_id': expect.stringMatching(/^[0-9a-f]{16}$/) })
    expect(keyed!.attributes).not.toHaveProperty('service.name')
    expect(keyed!.latency_ms).toBeGreaterThanOrEqual(0)
    expect(hops(m, withoutKey)[0]).toMatchObject({ correlation_id: withoutKey.spanContext().traceId, business: { work_order: '155000000002' } })
  })

  it('a batch span linking to two messages is one hop in each message transaction', () => {
    const m = mapped('protobuf')
    const events = hops(m, batch)
    expect(events.map((event) => event.correlation_id)).toEqual(['conf-1', withoutKey.spanContext().traceId])
    expect(events.map((event) => event.event_id)).toEqual([`${id(batch)}:${id(withKey)}`, `${id(batch)}:${id(withoutKey)}`])
    expect(events.map((event) => event.causation_id)).toEqual([id(withKey), id(withoutKey)])
    expect(events[0]).toMatchObject({
      event_type: 'integration.transformed',
      hop: 'hub',
      status: 'ok',
      trace_id: batch.spanContext().traceId,
      business: { work_order: '155000000001' },
      attributes: { 'otel.link.trace_id': withKey.spanContext().traceId, 'messaging.consumer.group.name': 'hub' },
    })
    // Each hop of the batch shares its transaction with the producer's hop.
    expect(events[0]!.correlation_id).toBe(hops(m, withKey)[0]!.correlation_id)
    expect(events[1]!.correlation_id).toBe(hops(m, withoutKey)[0]!.correlation_id)
    expect(events[1]!.business).toBeUndefined()
  })

  it('HTTP calls to the ERP become erp.posting_* hops with the HTTP status and error category', () => {
    const m = mapped('protobuf-gzip')
    expect(hops(m, erpUnavailable)[0]).toMatchObject({
      event_type: 'erp.posting_failed',
      hop: 'erp',
      status: 'error',
      correlation_id: 'conf-1',
      parent_span_id: batch.spanContext().spanId,
      attempt: 2,
      error: { category: 'transient', retryable: true, http_status: 503, code: '503' },
    })
    const [posted] = hops(m, erpPosted)
    expect(posted).toMatchObject({
      event_type: 'erp.posting_succeeded',
      hop: 'erp',
      status: 'ok',
      attempt: 3,
      business: { erp_document: '4900001234' },
    })
    expect(posted!.error).toBeUndefined()
    expect(hops(m, erpRejected)[0]).toMatchObject({
      event_type: 'erp.posting_failed',
      correlation_id: 'conf-2',
      error: { category: 'permanent', retryable: false, http_status: 400, code: 'ODataError', text: 'Material FG10023 not maintained in plant 2000' },
    })
  })

  it('a span in error status carries its exception as the hop error', () => {
    expect(hops(mapped('json'), validation)[0]).toMatchObject({
      event_type: 'integration.validation_failed',
      flow: 'goods_movement',
      status: 'error',
      error: { category: 'permanent', code: 'TypeError', text: 'quantity is missing', retryable: false },
    })
  })

  it('spans that are no hop are ignored, spans without a plant are unmapped with the reason', () => {
    const m = mapped('json')
    expect(m.get(dbQuery.spanContext().spanId)).toMatchObject({ kind: 'ignored' })
    expect(m.get(noPlant.spanContext().spanId)).toMatchObject({ kind: 'unmapped', reason: 'no_plant', errors: [{ path: 'plant' }] })
    // A per-service default plant maps it.
    const withDefault = createSpanMapper(parseOtlpMappingConfig({ defaultPlant: '1110' }))
    const request = sent.get('json')!
    const span = decodeTraceRequest(request.body, { contentType: 'application/json' }).spans.find((s) => s.spanId === noPlant.spanContext().spanId)!
    expect(withDefault(span)).toMatchObject({ kind: 'hops', events: [{ plant: '1110', hop: 'wms' }] })
  })
})
