import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { createSpanMapper } from '@/ingest/otlp/map'
import { parseOtlpMappingConfig } from '@/server/domain/otlp-mapping'
import { makeSpan } from '@/ingest/otlp/testing/spans'
import type { HopEvent } from '@/server/domain/hop-event'
import { HopRow } from './hop-row'
import { SpanAttributes, SpanResource, SpanSummary } from './otel-span'
import type { TraceHop } from './trace-types'

/** A consumer's process span as the mapper turns it into a hop (a real mapped event, not a hand-made one). */
function mappedHop(): HopEvent {
  const mapping = createSpanMapper(parseOtlpMappingConfig({}))(
    makeSpan({
      spanId: 'a1b2c3d4e5f60718',
      parentSpanId: 'eee19b7ec3c1b174',
      name: 'process confirmations',
      kind: 'consumer',
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'linetrace.work_order': '155000000777',
        'app.note': '<img src=x onerror="alert(1)">',
        'app.long': 'x'.repeat(900),
      },
    }),
  )
  if (mapping.kind !== 'hops') throw new Error(`span not mapped: ${mapping.kind}`)
  return mapping.events[0]!
}

/** A trace-view hop with the mapped event's fields, as traces.get returns it. */
function traceHop(e: HopEvent, otlp: boolean): TraceHop {
  return {
    event_id: e.event_id,
    event_type: e.event_type,
    occurred_at: e.occurred_at,
    recorded_at: e.occurred_at,
    origin_time: e.occurred_at,
    ingested_at: e.occurred_at,
    correlation_id: e.correlation_id,
    causation_id: '',
    idempotency_key: '',
    trace_id: e.trace_id ?? '',
    span_id: e.span_id ?? '',
    parent_span_id: e.parent_span_id ?? '',
    flow: e.flow,
    hop: e.hop,
    status: e.status,
    plant: e.plant,
    line: '',
    work_order: e.business?.work_order ?? '',
    material: '',
    lot: '',
    shipment: '',
    erp_document: '',
    latency_ms: e.latency_ms ?? null,
    attempt: 0,
    error_category: '',
    error_code: '',
    error_text: '',
    error_retryable: false,
    dependency_key: '',
    replay_id: '',
    replayed: false,
    since_origin_ms: 0,
    src_topic: otlp ? 'lt.otlp' : 'lt.telemetry',
    src_partition: 0,
    src_offset: 0,
    source_system: e.source?.system ?? '',
    source_instance: '',
    work_center: '',
    storage_location: '',
    location_path: '',
    operation: '',
    handling_unit: '',
    serials: [],
    qty_good: 0,
    qty_scrap: 0,
    uom: '',
    payload_truncated: false,
    attributes: e.attributes ?? {},
    otlp,
  }
}

const row = (hop: TraceHop) =>
  renderToStaticMarkup(
    <HopRow index={0} hop={hop} span={{ start: -250, end: 0, waitFrom: null }} lane={2} view={{ from: -250, to: 10 }} top={0} selected={false} pause={null} links={[]} local={(iso) => iso} onSelect={() => {}} />,
  )
const text = (html: string) => html.replace(/<[^>]+>/g, '')

describe('OpenTelemetry hops in the trace view', () => {
  const event = mappedHop()

  it('marks an OTLP hop row in words (not only colour) with its span id and duration; a native row has neither', () => {
    const otlp = text(row(traceHop(event, true)))
    expect(otlp).toContain('OTel (from OpenTelemetry)')
    expect(otlp).toContain('span a1b2c3d4e5f60718')
    expect(otlp).toContain('took 250 ms')
    const native = text(row(traceHop(event, false)))
    expect(native).not.toContain('OpenTelemetry')
    expect(native).not.toContain('span a1b2c3d4e5f60718')
  })

  it('sums the span up: ids, parent, name, kind, service and duration; a root span says so', () => {
    const summary = (hop: TraceHop) => renderToStaticMarkup(<SpanSummary hop={hop} />)
    const html = summary(traceHop(event, true))
    const field = (name: string) => new RegExp(`data-testid="otel-${name}">([^<]*)<`).exec(html)?.[1]
    expect(field('span-id')).toBe('a1b2c3d4e5f60718')
    expect(field('parent-span-id')).toBe('eee19b7ec3c1b174')
    expect(field('trace-id')).toBe('5b8efff798038103d269b633813fc60c')
    expect(field('span')).toBe('process confirmations')
    expect(field('kind')).toBe('consumer')
    expect(field('service')).toBe('camel-confirmations')
    expect(field('duration')).toBe('250 ms')
    expect(summary({ ...traceHop(event, true), parent_span_id: '' })).toContain('— (root span)')
  })

  it('lists the span attributes as a sorted key/value table of text, never HTML', () => {
    const html = renderToStaticMarkup(<SpanAttributes attributes={event.attributes} />)
    const rows = [...html.matchAll(/<tr [^>]*><th scope="row"[^>]*>([^<]*)<\/th><td[^>]*><div[^>]*>([^<]*)<\/div><\/td><\/tr>/g)].map((m) => [m[1]!, m[2]!])
    const keys = rows.map(([key]) => key)
    expect(keys).toEqual([...keys].sort())
    expect(keys).toEqual(expect.arrayContaining(['otel.span_name', 'messaging.system', 'linetrace.work_order', 'app.note']))
    expect(Object.fromEntries(rows)['linetrace.work_order']).toBe('155000000777')
    expect(html).not.toContain('<img')
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;')
    // A long value wraps inside a cell that scrolls, instead of widening the panel.
    expect(html).toMatch(/<div class="[^"]*overflow-y-auto[^"]*break-all[^"]*">x{900}<\/div>/)
  })

  it('says so when a span has no attributes', () => {
    expect(text(renderToStaticMarkup(<SpanAttributes attributes={{}} />))).toContain('The span had no attributes.')
  })

  describe('the span’s resource', () => {
    const hub = { 'service.name': 'orders-hub', 'service.instance.id': 'orders-hub-1', 'host.name': '<img src=x onerror=alert(1)>' }
    const resource = (attributes: Record<string, string>, resources: Record<string, Record<string, string>>) =>
      renderToStaticMarkup(<SpanResource attributes={attributes} resources={resources} />)

    it('lists the attributes of the resource the hop names as a sorted table of text, apart from the span attributes', () => {
      const html = resource({ ...event.attributes, 'otel.resource_id': 'r-hub' }, { 'r-hub': hub, 'r-other': { 'service.name': 'wms-putaway' } })
      expect(html).toContain('<h3 class="font-medium">Resource attributes</h3>')
      expect(html).toContain('data-testid="resource-attributes"')
      expect(html).not.toContain('data-testid="span-attributes"')
      const rows = [...html.matchAll(/<tr [^>]*><th scope="row"[^>]*>([^<]*)<\/th><td[^>]*><div[^>]*>([^<]*)<\/div><\/td><\/tr>/g)].map((m) => [m[1]!, m[2]!])
      expect(rows).toEqual([
        ['host.name', '&lt;img src=x onerror=alert(1)&gt;'],
        ['service.instance.id', 'orders-hub-1'],
        ['service.name', 'orders-hub'],
      ])
      expect(html).not.toContain('<img')
    })

    it('says in words when the resource the hop names is not stored', () => {
      const html = resource({ 'otel.resource_id': 'r-gone' }, { 'r-hub': hub })
      expect(text(html)).toContain("The span&#x27;s resource (id r-gone) is not stored: it is past the 91-day retention, or still being written.")
      expect(html).not.toContain('<table')
    })

    it('shows nothing for a hop without a resource id (stored with its resource attributes inline)', () => {
      const inline = { ...Object.fromEntries(Object.entries(event.attributes ?? {}).filter(([k]) => k !== 'otel.resource_id')), 'service.name': 'orders-hub' }
      expect(resource(inline, { 'r-hub': hub })).toBe('')
    })
  })
})
