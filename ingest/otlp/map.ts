import type { HopError, HopEvent, HopEventInput } from '../../server/domain/hop-event'
import { checkHopEvent } from '../telemetry/hop-event-validator'
import type { EveryKey } from '../telemetry/rows'
import { attributeText, boundedAttributes, currentMessagingNames, firstText } from './attributes'
import { httpStatusOf, spanError } from './errors'
import { globToRegExp, RESOURCE_ID_ATTRIBUTE, SPAN_BUSINESS_KEYS, type OtlpMappingConfig, type OtlpServiceRule } from '../../server/domain/otlp-mapping'
import { hopFields, type HopFields } from './hop-fields'
import { resourceOf } from './resources'
import type { Attributes, OtlpLink, OtlpSpan } from './span'

/**
 * One span → its hop events (SOURCES.md "OTLP → hop events"; the rules are in ./README.md).
 *
 * Pure and deterministic: the same span always gives the same events with the same ids, so an
 * exporter's retry, or the worker re-reading `lt.otlp` after a crash, counts once downstream.
 * The transaction of a message is therefore computed only from what travels with the message (the
 * span, its link, the message key), never from other spans that may or may not have arrived yet.
 */

export type UnmappedReason = 'no_plant' | 'schema'

export type SpanMapping =
  /** One event, or one per linked message for a span that links to several messages. */
  | { kind: 'hops'; events: HopEvent[] }
  /** Not a hop (e.g. a database call): counted per service, never dead-lettered. */
  | { kind: 'ignored'; message: string }
  /** Should be a hop but cannot be: dead-lettered with the reason. */
  | { kind: 'unmapped'; reason: UnmappedReason; message: string; errors: { path: string; message: string }[] }

export type SpanMapper = (span: OtlpSpan) => SpanMapping

const KAFKA_MESSAGE_KEY = 'messaging.kafka.message.key'
const MAX_CORRELATION_LENGTH = 128
/** Module-level, not a closure per span: tsx (npm start, npm run ingest) names every function it creates, a defineProperty each. */
const fitsCorrelation = (text: string): boolean => text.length <= MAX_CORRELATION_LENGTH

/** What a span is, before the transaction(s) it belongs to are known. */
interface Role {
  eventType: string
  /** Set for ERP calls: their hop is the ERP whatever the calling service is. */
  hop?: string
  failed: boolean
  httpStatus?: number
}

export function createSpanMapper(config: OtlpMappingConfig): SpanMapper {
  const rules = config.services.map((rule) => ({ rule, pattern: globToRegExp(rule.service) }))
  const erpHosts = config.erpHosts.map(globToRegExp)
  const names = config.attributes

  function ruleFor(service: string): OtlpServiceRule | undefined {
    return rules.find(({ pattern }) => pattern.test(service))?.rule
  }

  function role(span: OtlpSpan, rule: OtlpServiceRule | undefined): Role | string {
    const failed = span.status.code === 'error'
    const explicit = firstText([span.attributes], names.eventType)
    if (explicit) return { eventType: explicit, failed }

    const host = httpHost(span.attributes)
    if (span.kind === 'client' && host !== undefined && erpHosts.some((pattern) => pattern.test(host))) {
      const httpStatus = httpStatusOf(span)
      const erpFailed = failed || (httpStatus ?? 0) >= 400 || (httpStatus === undefined && span.attributes['error.type'] !== undefined)
      return { eventType: erpFailed ? 'erp.posting_failed' : 'erp.posting_succeeded', hop: 'erp', failed: erpFailed, httpStatus }
    }

    const operation = attributeText(span.attributes['messaging.operation.type'] ?? span.attributes['messaging.operation'])?.toLowerCase()
    const messaging = span.attributes['messaging.system'] !== undefined || operation !== undefined
    if (!messaging && span.kind !== 'producer' && span.kind !== 'consumer')
      return `${span.kind} span "${span.name}" is neither messaging, an ERP call nor marked with ${names.eventType[0] ?? 'an event type'}`
    switch (operation ?? (span.kind === 'producer' ? 'send' : 'receive')) {
      case 'send':
      case 'publish':
      case 'create':
        return { eventType: 'integration.message_published', failed }
      case 'receive':
        // A batch poll without links (kafkajs' eachBatch "poll" span) names no message: the
        // messages are mapped from their own process spans, which link to them.
        if (span.links.length === 0 && span.attributes['messaging.batch.message_count'] !== undefined)
          return `batch receive span "${span.name}" links to no message`
        return { eventType: 'integration.message_received', failed }
      case 'process':
      case 'deliver':
        return { eventType: rule?.processEventType ?? 'integration.transformed', failed }
      default:
        return `messaging operation "${operation}" is not a hop`
    }
  }

  return function mapSpan(span: OtlpSpan): SpanMapping {
    const service = attributeText(span.resource['service.name']) ?? 'unknown_service'
    const rule = ruleFor(service)
    const found = role(span, rule)
    if (typeof found === 'string') return { kind: 'ignored', message: found }

    // A span that links to several messages (a batch) is a hop of each message's transaction.
    const contexts: (OtlpLink | undefined)[] = span.links.length > 1 ? span.links : [span.links[0]]
    const batch = span.links.length > 1
    const events: HopEvent[] = []
    for (const link of contexts) {
      // Per-message values come from the link; a batch span's own attributes are about the batch.
      const keySources: Attributes[] = link ? (batch ? [link.attributes] : [link.attributes, span.attributes]) : [span.attributes]
      const placeSources: Attributes[] = [...(link ? [link.attributes] : []), span.attributes, span.resource]
      const plant = firstText(placeSources, names.plant) ?? rule?.plant ?? config.defaultPlant
      if (!plant)
        return {
          kind: 'unmapped',
          reason: 'no_plant',
          message: `span "${span.name}" of service ${service} names no plant (${names.plant.join(', ')}) and the service has no default plant`,
          errors: [{ path: 'plant', message: 'no plant attribute and no default plant' }],
        }
      const placement: Placement = {
        link: batch ? link : undefined,
        causation: link,
        correlationId: correlationOf(span, link, keySources),
        plant,
        flow: firstText(placeSources, names.flow) ?? rule?.flow ?? config.defaultFlow,
        hop: found.hop ?? rule?.hop ?? config.defaultHop,
        service,
        business: businessOf(keySources),
      }
      // The contract less `attributes` (optional there): boundedAttributes builds them within its
      // limits (map.test.ts holds it to that), and checking a span's twenty-odd attributes again was
      // most of the check. By the compiled contract, as a decoded hop event (in place: the input is
      // ours); zod only says why one is not valid.
      const { event, issues } = checkHopEvent(hopEvent(span, found, placement))
      if (!event)
        return {
          kind: 'unmapped',
          reason: 'schema',
          message: `span "${span.name}" of service ${service} does not make a valid hop event`,
          errors: issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
        }
      events.push(workerCopy(event, spanAttributes(span, placement)))
    }
    return { kind: 'hops', events }
  }

  /**
   * The transaction: the configured attribute, else the Kafka message key, else the trace id of the
   * message's creation context (the link, or the span's own trace). The producer computes the same
   * from its own span, so both sides meet without either seeing the other. Values too long for a
   * correlation id are passed over (both sides pass over the same value).
   */
  function correlationOf(span: OtlpSpan, link: OtlpLink | undefined, sources: Attributes[]): string {
    return (
      firstText(sources, names.correlationId, fitsCorrelation) ??
      firstText(sources, [KAFKA_MESSAGE_KEY], fitsCorrelation) ??
      (link ?? span).traceId
    )
  }

  function businessOf(sources: Attributes[]): HopEventInput['business'] {
    const business: Record<string, string> = {}
    for (const key of SPAN_BUSINESS_KEYS) {
      const value = firstText(sources, names.businessKeys[key])
      if (value !== undefined) business[key] = value
    }
    return Object.keys(business).length ? business : undefined
  }
}

interface Placement {
  /** Set for one hop of a batch: its id must differ from the batch's other hops. */
  link: OtlpLink | undefined
  /** The linked producer context: its hop's event id is this hop's cause. */
  causation: OtlpLink | undefined
  correlationId: string
  plant: string
  flow: string
  hop: string
  service: string
  business: HopEventInput['business']
}

/**
 * The span's hop event less its attributes (spanAttributes). Built by assignment, not by spreading
 * optional parts into a literal: a spread makes an object per part and copies it, and this runs for
 * every span (bench suite `otlp`, breakdown `map`).
 */
function hopEvent(span: OtlpSpan, role: Role, at: Placement): HopEventInput {
  const end = span.endTimeUnixNano || span.startTimeUnixNano
  const durationNs = span.endTimeUnixNano - span.startTimeUnixNano
  const instance = attributeText(span.resource['service.instance.id'])
  const resend = span.attributes['http.request.resend_count']
  const fields = hopFields(span.attributes)
  const business = fields.quantity ? { ...at.business, quantity: fields.quantity } : at.business
  const source: NonNullable<HopEventInput['source']> = { system: at.service.slice(0, 64) }
  if (instance) source.instance = instance.slice(0, 128)
  const event: HopEventInput = {
    event_id: at.link ? `${span.traceId}:${span.spanId}:${at.link.traceId}:${at.link.spanId}` : `${span.traceId}:${span.spanId}`,
    event_type: role.eventType,
    schema_version: 1,
    occurred_at: new Date(Number(end / 1_000_000n)).toISOString(),
    correlation_id: at.correlationId,
    trace_id: span.traceId,
    span_id: span.spanId,
    flow: at.flow,
    hop: at.hop,
    status: fields.status ?? (role.failed ? 'error' : 'ok'),
    plant: at.plant,
    source,
    // Held from the start, undefined until the worker's normalise completes them in place: added
    // to the mapper's copy later, they made its row building ~5× slower (bench/otlp breakdown `rows`).
    origin_time: fields.originTime || undefined,
    recorded_at: undefined,
  }
  if (fields.idempotencyKey) event.idempotency_key = fields.idempotencyKey
  if (at.causation) event.causation_id = `${at.causation.traceId}:${at.causation.spanId}`
  if (span.parentSpanId) event.parent_span_id = span.parentSpanId
  if (business) event.business = business
  if (durationNs >= 0n && span.endTimeUnixNano > 0n) event.latency_ms = Math.round(Number(durationNs) / 1e6)
  if (typeof resend === 'number' && resend >= 0 && resend < 1000) event.attempt = resend + 1
  if (role.failed || fields.errorCategory) event.error = withHopFields(spanError(span, role.httpStatus), fields)
  if (fields.replayId) event.replay = { replay_id: fields.replayId }
  return event
}

/**
 * The hop's attributes: the span's own names (otel.*), then the link's and the span's (the first
 * value of a key wins). The resource's are stored once, in otel_resources (resources.ts), and named
 * by `otel.resource_id`: repeated on every span they were about 8 of its ~20 map entries, which
 * cost hop_events more on insert than anything else of an OTLP hop.
 */
function spanAttributes(span: OtlpSpan, at: Placement): Record<string, string> {
  const otel: Attributes = {
    'otel.span_name': span.name,
    'otel.span_kind': span.kind,
    'otel.scope': span.scope.version ? `${span.scope.name}@${span.scope.version}` : span.scope.name,
  }
  const resource = resourceOf(span.resource)
  if (resource) otel[RESOURCE_ID_ATTRIBUTE] = resource.id
  if (at.causation) {
    otel['otel.link.trace_id'] = at.causation.traceId
    otel['otel.link.span_id'] = at.causation.spanId
  }
  return boundedAttributes([otel, currentMessagingNames(span.attributes), at.link?.attributes ?? {}, span.attributes])
}

/**
 * The hop as the worker gets it: every field of the contract, in one order, those it lacks
 * undefined, so every OTLP hop has one object shape. A copy, not the checked event grown: hops built
 * by assignment differ in the optional fields they hold (a cause, a parent, an error, business
 * keys…), and the worker's normalise and row building read objects of many shapes several times
 * slower (row building was the largest JavaScript cost of an OTLP hop in a CPU profile of bench
 * suite `otlp`; a grown object, 2-3× slower again).
 */
function workerCopy(e: HopEvent, attributes: Record<string, string>): HopEvent {
  const b = e.business
  // Every field named (the compiler checks it): one the contract gains is copied, not dropped. An OTLP hop has no payload.
  const copy: EveryKey<Omit<HopEvent, 'payload'>> = {
    event_id: e.event_id,
    event_type: e.event_type,
    schema_version: e.schema_version,
    occurred_at: e.occurred_at,
    recorded_at: e.recorded_at,
    origin_time: e.origin_time,
    correlation_id: e.correlation_id,
    causation_id: e.causation_id,
    idempotency_key: e.idempotency_key,
    trace_id: e.trace_id,
    span_id: e.span_id,
    parent_span_id: e.parent_span_id,
    flow: e.flow,
    hop: e.hop,
    status: e.status,
    plant: e.plant,
    line: e.line,
    work_center: e.work_center,
    storage_location: e.storage_location,
    location_path: e.location_path,
    source: e.source && ({ system: e.source.system, instance: e.source.instance } satisfies EveryKey<NonNullable<HopEvent['source']>>),
    business: b && ({
      work_order: b.work_order,
      operation: b.operation,
      material: b.material,
      lot: b.lot,
      serials: b.serials,
      handling_unit: b.handling_unit,
      shipment: b.shipment,
      quantity: b.quantity,
      erp_document: b.erp_document,
    } satisfies EveryKey<NonNullable<HopEvent['business']>>),
    latency_ms: e.latency_ms,
    attempt: e.attempt,
    error: e.error,
    replay: e.replay,
    attributes,
  }
  return copy
}

/** The category and dependency key a span names itself override what its status says. */
function withHopFields(error: HopError, fields: HopFields): HopError {
  if (!fields.errorCategory && !fields.errorDependencyKey) return error
  const category = fields.errorCategory ?? error.category
  return {
    ...error,
    category,
    retryable: category === 'transient' || category === 'dependency',
    ...(fields.errorDependencyKey && { dependency_key: fields.errorDependencyKey }),
  }
}

/** The server an HTTP client span called: `server.address`, else older names, else the URL's host. */
function httpHost(attributes: Attributes): string | undefined {
  if (attributes['http.request.method'] === undefined && attributes['http.method'] === undefined) return undefined
  const address = attributeText(attributes['server.address'] ?? attributes['net.peer.name'])
  if (address) return address
  const hostHeader = attributeText(attributes['http.host'])
  if (hostHeader) return hostHeader.replace(/:\d+$/, '')
  const url = attributeText(attributes['url.full'] ?? attributes['http.url'])
  if (!url) return undefined
  try {
    return new URL(url).hostname
  } catch {
    return undefined
  }
}
