import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSpanMapper } from '@/ingest/otlp/map'
import { parseOtlpMappingConfig } from '@/server/domain/otlp-mapping'
import type { OtlpSpan } from '@/ingest/otlp/span'
import { makeSpan } from '@/ingest/otlp/testing/spans'
import { makeHopEvent } from '@/ingest/testing/telemetry-records'
import { normalise } from '@/ingest/telemetry/normalise'
import { OriginCache } from '@/ingest/telemetry/origin-cache'
import { toHopEventRow } from '@/ingest/telemetry/rows'
import { chInsert } from '@/server/clickhouse/exec'
import { hopEventSchema, type HopEvent } from '@/server/domain/hop-event'
import type { Runtime } from '@/server/runtime'
import { makeCtx } from '@/server/services/testing/ctx'
import { makePrincipal } from '@/server/services/testing/principal'
import { searchTraces } from '@/server/services/traces/search'
import { getTrace } from '@/server/services/traces/trace'
import { startTestRuntime } from '@/server/testing/runtime'
import { GET as getOne } from './[correlationId]/route'
import { GET as search } from './route'

/**
 * Hops mapped from OpenTelemetry spans in the trace services and their REST twins, on real chDB +
 * PGlite. The hops are the mapper's own output (makeSpan → createSpanMapper), normalised and
 * written as the telemetry pipeline writes them, from the OTLP topic; one native hop of the same
 * transaction comes from the hop-event topic. A producer's trace and a batch consumer's trace (a
 * span link) meet in one transaction, found by either trace id. The spans' resources are stored
 * apart (otel_resources), except the batch consumer's, as if it had expired.
 */

const MIN = 60_000
const hex = (bytes: number) => randomBytes(bytes).toString('hex')
const producerTrace = hex(16)
const consumerTrace = hex(16)
const producerSpan = hex(8)
const processSpan = hex(8)
const batchSpan = hex(8)
const key = `conf-${hex(4)}`
const workOrder = `1550${String(Date.now()).slice(-8)}`

let runtime: Runtime
let stop: () => Promise<void>
let originTime: string
/** Resource id (the hop's `otel.resource_id`) → the resource's attributes, of the spans whose resource is stored. */
let storedResources: Record<string, Record<string, string>>
/** A stored resource that only the native hop names. */
const elsewhere = `r-${hex(8)}`

/** Nanoseconds of a time `ms` after `at`. */
const ns = (at: number, ms = 0) => BigInt(at + ms) * 1_000_000n

beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
  const t0 = Date.now() - 10 * MIN
  const messaging = (operation: string) => ({ 'messaging.system': 'kafka', 'messaging.operation.type': operation, 'messaging.kafka.message.key': key, 'linetrace.work_order': workOrder })
  const resource = (service: string) => ({ 'service.name': service, 'service.instance.id': `${service}-1`, 'linetrace.plant': '1000' })
  const spans: OtlpSpan[] = [
    makeSpan({
      traceId: producerTrace,
      spanId: producerSpan,
      name: 'confirmations send',
      kind: 'producer',
      startTimeUnixNano: ns(t0),
      endTimeUnixNano: ns(t0, 12),
      attributes: messaging('send'),
      resource: resource('mes-confirmations'),
    }),
    // eachMessage: the consumer's span is a child of the producer's, in the same trace.
    makeSpan({
      traceId: producerTrace,
      spanId: processSpan,
      parentSpanId: producerSpan,
      name: 'confirmations process',
      kind: 'consumer',
      startTimeUnixNano: ns(t0, 40),
      endTimeUnixNano: ns(t0, 290),
      attributes: { ...messaging('process'), 'app.note': '<b>not html</b>' },
      resource: resource('orders-hub'),
    }),
    // eachBatch: a root span of its own trace, linked to the message's creation context.
    makeSpan({
      traceId: consumerTrace,
      spanId: batchSpan,
      name: 'confirmations process',
      kind: 'consumer',
      startTimeUnixNano: ns(t0, 300),
      endTimeUnixNano: ns(t0, 420),
      attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': 'process' },
      links: [{ traceId: producerTrace, spanId: producerSpan, attributes: { 'messaging.kafka.message.key': key, 'linetrace.work_order': workOrder } }],
      resource: resource('wms-putaway'),
    }),
  ]
  const map = createSpanMapper(parseOtlpMappingConfig({}))
  const mapped = spans.flatMap((span) => {
    const mapping = map(span)
    if (mapping.kind !== 'hops') throw new Error(`span ${span.spanId} not mapped: ${mapping.message}`)
    return mapping.events
  })
  const native = hopEventSchema.parse(
    makeHopEvent({
      correlation_id: key,
      plant: '1000',
      origin_time: undefined,
      occurred_at: new Date(t0 + MIN).toISOString(),
      trace_id: undefined,
      span_id: undefined,
      parent_span_id: undefined,
      business: { work_order: workOrder, erp_document: '4900000001' },
      // A producer's attributes: naming a resource there must not bring it into the trace.
      attributes: { 'otel.resource_id': elsewhere },
    }),
  )
  // As the pipeline writes them: the origin time from the transaction's first hop, the topic each came from.
  const origins = new OriginCache()
  const now = new Date()
  const written = (e: HopEvent, topic: string) => toHopEventRow(normalise(e, {}, origins, now), { topic, partition: 0, offset: '1' }, false)
  const rows = [...mapped.map((e) => written(e, runtime.config.env.OTLP_TOPIC)), written(native, 'lt.telemetry')]
  originTime = rows[0]!.origin_time
  await chInsert(runtime.clickhouse, { table: 'hop_events', rows })
  // The resources of the producer's and the process span (the batch consumer's is not stored).
  const resourceId = (e: HopEvent) => e.attributes?.['otel.resource_id'] ?? ''
  storedResources = Object.fromEntries(spans.slice(0, 2).map((span, i) => [resourceId(mapped[i]!), span.resource as Record<string, string>]))
  const seenAt = now.toISOString()
  await chInsert(runtime.clickhouse, {
    table: 'otel_resources',
    rows: [
      ...Object.entries(storedResources).map(([resource_id, attributes]) => ({ resource_id, service: attributes['service.name']!, attributes, seen_at: seenAt })),
      { resource_id: elsewhere, service: 'elsewhere', attributes: { 'service.name': 'elsewhere' }, seen_at: seenAt },
    ],
  })
})
afterAll(() => stop())

const viewer = (plants: string[]) => makeCtx({ db: runtime.db.prisma, ch: runtime.clickhouse, config: runtime.config }, makePrincipal('viewer', plants))
const range = () => ({ from: new Date(Date.now() - 60 * MIN), to: new Date(Date.now() + MIN) })

describe('the trace of a transaction reported through OpenTelemetry', () => {
  it('marks the hops mapped from spans, with their span ids, parents, durations and attributes; the native hop is not marked', async () => {
    const trace = await getTrace(viewer(['1000']), { correlationId: key, t: originTime })
    const hops = trace.hops.map((h) => ({ otlp: h.otlp, trace_id: h.trace_id, span_id: h.span_id, parent_span_id: h.parent_span_id, latency_ms: h.latency_ms, hop: h.hop }))
    expect(hops).toEqual([
      { otlp: true, trace_id: producerTrace, span_id: producerSpan, parent_span_id: '', latency_ms: 12, hop: 'mes' },
      { otlp: true, trace_id: producerTrace, span_id: processSpan, parent_span_id: producerSpan, latency_ms: 250, hop: 'hub' },
      { otlp: true, trace_id: consumerTrace, span_id: batchSpan, parent_span_id: '', latency_ms: 120, hop: 'wms' },
      { otlp: false, trace_id: '', span_id: '', parent_span_id: '', latency_ms: 640, hop: 'erp' },
    ])
    expect(trace.hops[1]!.attributes).toMatchObject({
      'otel.span_name': 'confirmations process',
      'otel.span_kind': 'consumer',
      'messaging.kafka.message.key': key,
      'app.note': '<b>not html</b>',
    })
    expect(trace.hops[2]!.attributes).toMatchObject({ 'otel.link.trace_id': producerTrace, 'otel.link.span_id': producerSpan })
  })

  it('gives each OTLP hop’s stored resource by the id the hop names; one no longer stored, or named by a native hop, is absent', async () => {
    const trace = await getTrace(viewer(['1000']), { correlationId: key, t: originTime })
    const ids = trace.hops.map((h) => h.attributes['otel.resource_id'])
    // Each span had its own resource, so three ids; the native hop names one of its own.
    expect(new Set(ids.slice(0, 3)).size).toBe(3)
    expect(ids[3]).toBe(elsewhere)
    expect(trace.resources).toEqual(storedResources)
    expect(trace.resources[ids[1]!]).toEqual({ 'service.name': 'orders-hub', 'service.instance.id': 'orders-hub-1', 'linetrace.plant': '1000' })
    // The resource's attributes are not repeated on the hop.
    expect(trace.hops[1]!.attributes['service.name']).toBeUndefined()
    expect(trace.resources).not.toHaveProperty(ids[2]!)
  })

  it('is found by either trace id, typed bare (any case) or as trace_id:…, within the caller’s plants', async () => {
    for (const q of [producerTrace, producerTrace.toUpperCase(), `trace_id:${consumerTrace}`, `trace:${consumerTrace.toUpperCase()}`]) {
      const found = await searchTraces(viewer(['1000']), { q, ...range() })
      expect(found.key?.types, q).toEqual(['trace_id'])
      expect(found.items.map((i) => i.correlation_id), q).toEqual([key])
      expect(found.items[0], q).toMatchObject({ plant: '1000', work_order: workOrder })
    }
    expect((await searchTraces(viewer(['2000']), { q: producerTrace, ...range() })).items).toEqual([])
    expect((await searchTraces(viewer(['1000']), { q: hex(16), ...range() })).items).toEqual([])
  })
})

describe('REST', () => {
  const req = (path: string) => new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${runtime.config.adminApiToken}` } })

  it('GET /api/v1/traces?key=trace_id:… finds the transaction; GET /api/v1/traces/{id} says which hops came from OpenTelemetry', async () => {
    const found = await search(req(`/api/v1/traces?key=trace_id:${consumerTrace}&plant=1000`))
    expect(found.status).toBe(200)
    const items = ((await found.json()) as { items: { correlation_id: string; origin_time: string }[] }).items
    expect(items.map((i) => i.correlation_id)).toEqual([key])

    const one = await getOne(req(`/api/v1/traces/${key}?t=${encodeURIComponent(items[0]!.origin_time)}`), { params: Promise.resolve({ correlationId: key }) })
    expect(one.status).toBe(200)
    const { hops, resources } = (await one.json()) as { hops: { otlp: boolean; span_id: string }[]; resources: Record<string, Record<string, string>> }
    expect(hops.map((h) => [h.otlp, h.span_id])).toEqual([
      [true, producerSpan],
      [true, processSpan],
      [true, batchSpan],
      [false, ''],
    ])
    expect(resources).toEqual(storedResources)
  })
})
