import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes, type Context, type Tracer } from '@opentelemetry/api'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { AlwaysOnSampler, BasicTracerProvider, type IdGenerator, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { OutgoingRecord } from '../server/bus/port'
import type { HopEventInput } from '../server/domain/hop-event'
import { HOP_FIELD_ATTRIBUTES as F } from '../ingest/otlp/hop-fields'
import { SPAN_BUSINESS_KEYS } from '../server/domain/otlp-mapping'
import type { PlantModel, SystemKey } from './model'

/**
 * The OTLP plants (option `otlpPlants`): their hub and ERP adapter are instrumented with the real
 * OpenTelemetry SDK instead of emitting hop events. Every step the hub reports becomes a span of
 * one of two services per plant — `plant-<code>-hub` (receive, validate, transform, retry,
 * dead-letter) and `erp-adapter-<code>` (the HTTP calls to ERP) — with the messaging and HTTP
 * semantic conventions the OTLP mapping reads (ingest/otlp/README.md), the business keys as
 * `linetrace.*` attributes, and start and end on the simulated clock. The plants' own systems
 * (machines, MES, WMS, QMS) keep reporting hop events: one transaction shows both sources.
 *
 * Spans keep the ids the native hops would have had (an id generator that hands out the hop's
 * trace and span id), so a seed still reproduces every record, and the OTLP hops chain to the MES
 * hop through the trace's parent span ids exactly as native ones do.
 *
 * Export: at each step the driver takes the ended spans as OTLP protobuf export requests
 * (the SDK's own serializer, what the OTLP/HTTP proto exporter sends, at most MAX_BATCH spans
 * each) and produces them to OTLP_TOPIC with the step's other records — the record the receiver
 * writes for an accepted request, read and mapped by the worker's OTLP pipeline like any other.
 */

/** Spans per export request: the SDK BatchSpanProcessor's default maxExportBatchSize. */
const MAX_BATCH = 512

/** The host the ERP adapter calls: matches the mapping's default ERP host patterns (`erp-*`). */
const erpHost = (plant: PlantModel) => `erp-${plant.companyCode}.acme.internal`

export const hubService = (code: string) => `plant-${code}-hub`
export const erpAdapterService = (code: string) => `erp-adapter-${code}`

interface PlantTracers {
  hub: Tracer
  erp: Tracer
}

export class OtlpReporter {
  private readonly tracers = new Map<string, PlantTracers>()
  private ended: ReadableSpan[] = []
  /** The ids the next span gets (set just before it starts). */
  private next = { traceId: '', spanId: '' }
  /** Spans exported so far. */
  spans = 0

  constructor(
    plants: readonly PlantModel[],
    codes: readonly string[],
    /** The hub's consumer group, as its consumer spans name it. */
    private readonly consumerGroup: string,
  ) {
    const ids: IdGenerator = { generateTraceId: () => this.next.traceId, generateSpanId: () => this.next.spanId }
    const collect: SpanProcessor = {
      onStart: () => {},
      onEnd: (span) => void this.ended.push(span),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    }
    const unknown = codes.filter((code) => !plants.some((p) => p.code === code))
    if (unknown.length) throw new Error(`OTLP plants ${unknown.join(', ')} are not among the simulated plants (${plants.map((p) => p.code).join(', ')}): name one of them, or none`)
    for (const plant of plants) {
      if (!codes.includes(plant.code)) continue
      const tracer = (service: string, instance: string) =>
        new BasicTracerProvider({
          resource: resourceFromAttributes({ 'service.name': service, 'service.instance.id': instance, 'service.namespace': 'acme-plants', 'linetrace.plant': plant.code }),
          idGenerator: ids,
          // Every hop is a span: not whatever OTEL_TRACES_SAMPLER the process was started with.
          sampler: new AlwaysOnSampler(),
          spanProcessors: [collect],
        }).getTracer('linetrace-simulator', '1.0.0')
      this.tracers.set(plant.code, { hub: tracer(hubService(plant.code), plant.instances.hub), erp: tracer(erpAdapterService(plant.code), `${plant.instances.erp}-adapter`) })
    }
  }

  /** Whether this plant's `system` reports through OTLP: the hub's and the ERP adapter's steps of an OTLP plant. */
  reports(plant: PlantModel, system: SystemKey): boolean {
    return (system === 'hub' || system === 'erp') && this.tracers.has(plant.code)
  }

  /** The hop the hub would have emitted, as the span its instrumentation records. */
  record(event: HopEventInput, plant: PlantModel, system: SystemKey): void {
    const tracers = this.tracers.get(plant.code)!
    const end = Date.parse(event.occurred_at)
    const start = end - (event.latency_ms ?? 0)
    const { name, kind, attributes } = system === 'erp' ? erpCall(event, plant) : hubStep(event, this.consumerGroup)
    Object.assign(attributes, common(event))
    this.next = { traceId: event.trace_id!, spanId: event.span_id! }
    const parent: Context = event.parent_span_id
      ? trace.setSpanContext(ROOT_CONTEXT, { traceId: event.trace_id!, spanId: event.parent_span_id, traceFlags: TraceFlags.SAMPLED, isRemote: true })
      : ROOT_CONTEXT
    const span = (system === 'erp' ? tracers.erp : tracers.hub).startSpan(name, { kind, startTime: new Date(start), attributes }, parent)
    if (event.error && event.status !== 'partial') {
      span.recordException({ name: event.error.code, message: event.error.text }, new Date(end))
      span.setStatus({ code: SpanStatusCode.ERROR, message: event.error.text })
    } else if (event.error) span.addEvent('exception', { 'exception.type': event.error.code, 'exception.message': event.error.text }, new Date(end))
    span.end(new Date(end))
  }

  /** The spans ended since the last call, as OTLP/protobuf export requests for OTLP_TOPIC. */
  take(): OutgoingRecord[] {
    const records: OutgoingRecord[] = []
    for (let i = 0; i < this.ended.length; i += MAX_BATCH) {
      const batch = this.ended.slice(i, i + MAX_BATCH)
      const body = ProtobufTraceSerializer.serializeRequest(batch)
      if (!body) throw new Error(`the OTLP serializer could not encode ${batch.length} spans`)
      records.push({ value: Buffer.from(body), headers: { 'content-type': 'application/x-protobuf' } })
      this.spans += batch.length
    }
    this.ended = []
    return records
  }
}

interface SpanShape {
  name: string
  kind: SpanKind
  attributes: Attributes
}

/** What every span of an OTLP plant carries: the transaction, its business keys, what the hop says beyond ok/error. */
function common(event: HopEventInput): Attributes {
  const a: Attributes = { 'linetrace.correlation_id': event.correlation_id, 'linetrace.flow': event.flow }
  if (event.origin_time) a[F.originTime] = event.origin_time
  if (event.idempotency_key) a[F.idempotencyKey] = event.idempotency_key
  if (event.replay) a[F.replayId] = event.replay.replay_id
  if (event.status !== 'ok' && event.status !== 'error') a[F.status] = event.status
  const b = event.business
  for (const key of SPAN_BUSINESS_KEYS) if (b?.[key]) a[`linetrace.${key}`] = b[key]
  if (b?.quantity?.good !== undefined) a[F.quantityGood] = b.quantity.good
  if (b?.quantity?.scrap !== undefined) a[F.quantityScrap] = b.quantity.scrap
  if (b?.quantity?.uom !== undefined) a[F.quantityUom] = b.quantity.uom
  if (event.error) {
    a['error.type'] = event.error.code
    // Exact, where an HTTP status or exception type alone would say transient or permanent only.
    a[F.errorCategory] = event.error.category
    if (event.error.dependency_key) a[F.errorDependencyKey] = event.error.dependency_key
  }
  for (const [key, value] of Object.entries(event.attributes ?? {})) a[key] ??= value
  return a
}

const kafka = (operation: string): Attributes => ({ 'messaging.system': 'kafka', 'messaging.operation.type': operation })

/** The hub's steps: Kafka consumer and producer spans where the mapping has a convention, marked internal spans for the rest. */
function hubStep(event: HopEventInput, consumerGroup: string): SpanShape {
  const attrs = event.attributes ?? {}
  switch (event.event_type) {
    case 'integration.message_received':
      return {
        name: `receive ${attrs.source_topic ?? ''}`.trim(),
        kind: SpanKind.CONSUMER,
        attributes: {
          ...kafka('receive'),
          'messaging.operation.name': 'poll',
          'messaging.destination.name': attrs.source_topic ?? '',
          'messaging.destination.partition.id': attrs.source_partition ?? '',
          'messaging.kafka.offset': Number(attrs.source_offset ?? 0),
          'messaging.consumer.group.name': consumerGroup,
          'messaging.kafka.message.key': event.correlation_id,
        },
      }
    case 'integration.transformed':
      return { name: `process ${attrs.target ?? 'message'}`, kind: SpanKind.CONSUMER, attributes: { ...kafka('process'), 'messaging.consumer.group.name': consumerGroup } }
    case 'erp.posting_dead_lettered':
      return {
        name: `send ${attrs.dlq_topic ?? 'dead letters'}`,
        kind: SpanKind.PRODUCER,
        attributes: { ...kafka('send'), 'messaging.destination.name': attrs.dlq_topic ?? '', 'messaging.kafka.message.key': event.correlation_id, 'linetrace.event_type': event.event_type },
      }
    default:
      return { name: event.event_type.replace(/^[a-z]+\./, '').replace(/_/g, ' '), kind: SpanKind.INTERNAL, attributes: { 'linetrace.event_type': event.event_type } }
  }
}

/**
 * The ERP adapter's HTTP calls (OData): a POST per posting attempt, a GET for the idempotency
 * look-up, HTTP status and resend count as the HTTP semantic conventions name them. The mapping
 * turns them into erp.posting_succeeded / _failed by itself; the request marker, partial postings
 * and stock blocks name their event type.
 */
function erpCall(event: HopEventInput, plant: PlantModel): SpanShape {
  const attrs = event.attributes ?? {}
  if (event.event_type === 'erp.posting_requested')
    return { name: `post ${attrs.interface ?? 'document'}`, kind: SpanKind.INTERNAL, attributes: { 'linetrace.event_type': event.event_type } }
  const lookup = attrs.reconciled_via === 'idempotency_key_lookup'
  const method = lookup ? 'GET' : 'POST'
  const path = lookup ? '/sap/opu/odata/sap/API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader' : '/sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV/ProdnOrdConf2'
  const status = event.error && event.status !== 'partial' ? (event.error.http_status ?? (event.error.category === 'transient' ? 409 : 400)) : lookup ? 200 : 201
  const attributes: Attributes = {
    'http.request.method': method,
    'server.address': erpHost(plant),
    'server.port': 443,
    'url.full': `https://${erpHost(plant)}${path}`,
    'http.response.status_code': status,
  }
  if (event.attempt !== undefined) attributes['http.request.resend_count'] = event.attempt - 1
  const known = event.event_type === 'erp.posting_succeeded' || event.event_type === 'erp.posting_failed'
  if (!known) attributes['linetrace.event_type'] = event.event_type
  return { name: method, kind: SpanKind.CLIENT, attributes }
}
