import { formatDuration } from '../ui/format'
import { RESOURCE_ID_ATTRIBUTE } from '@/server/domain/otlp-mapping'
import type { TraceHop } from './trace-types'

/**
 * What the trace view shows of a hop mapped from an OpenTelemetry span (ingest/otlp/map.ts): the
 * mark, the span's ids and duration, its attributes and its resource's. Everything is rendered as
 * React text, never as HTML: attributes come from whatever instrumented the middleware.
 */

type SpanHop = Pick<TraceHop, 'span_id' | 'parent_span_id' | 'trace_id' | 'latency_ms' | 'source_system' | 'attributes'>

/** The mark on a hop row: short on screen, the full words for screen readers and on hover. */
export function OtelMark() {
  return (
    <span data-testid="otel-mark" title="from OpenTelemetry" className="mr-1 rounded border border-indigo-300 px-1 text-[10px] font-medium text-indigo-800 dark:border-indigo-700 dark:text-indigo-200">
      OTel<span className="sr-only"> (from OpenTelemetry)</span>
    </span>
  )
}

/** The span in the hop panel: where it came from, its ids and how long it took. */
export function SpanSummary({ hop }: { hop: SpanHop }) {
  const attributes = hop.attributes ?? {}
  const fields: [string, string][] = [
    ['span id', hop.span_id],
    // The mapper leaves it empty for a root span.
    ['parent span id', hop.parent_span_id || '— (root span)'],
    ['trace id', hop.trace_id],
    ['span', attributes['otel.span_name'] ?? '—'],
    ['kind', attributes['otel.span_kind'] ?? '—'],
    ['service', hop.source_system || '—'],
    ['duration', formatDuration(hop.latency_ms)],
  ]
  return (
    <section aria-label="OpenTelemetry span" data-testid="otel-span" className="space-y-1 rounded border border-indigo-200 p-2 dark:border-indigo-900">
      <h3 className="font-medium">From OpenTelemetry</h3>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-xs">
        {fields.map(([name, value]) => (
          <div key={name} className="contents">
            <dt className="text-slate-500">{name}</dt>
            <dd className="break-all font-mono" data-testid={`otel-${name.replaceAll(' ', '-')}`}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  )
}

/**
 * A key/value table of attributes, sorted by key: the span's (its own and its link's; on hops
 * stored before resources were kept apart, its resource's too) or its resource's. Long values wrap
 * and scroll inside their cell instead of stretching the panel.
 */
export function SpanAttributes({
  attributes,
  heading = 'Span attributes',
  testId = 'span-attributes',
  emptyText = 'The span had no attributes.',
}: {
  attributes: Record<string, string> | undefined
  heading?: string
  testId?: string
  emptyText?: string
}) {
  const entries = Object.entries(attributes ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return (
    <div>
      <h3 className="font-medium">{heading}</h3>
      {entries.length === 0 ? (
        <p className="text-xs text-slate-500">{emptyText}</p>
      ) : (
        <table className="w-full table-fixed text-left text-xs" data-testid={testId}>
          <thead>
            <tr className="text-slate-500">
              <th scope="col" className="w-2/5 py-0.5 font-normal">
                Key
              </th>
              <th scope="col" className="py-0.5 font-normal">
                Value
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map(([key, value]) => (
              <tr key={key} className="border-t border-slate-100 align-top dark:border-slate-800">
                <th scope="row" className="break-all py-0.5 pr-2 font-mono font-normal text-slate-600 dark:text-slate-300">
                  {key}
                </th>
                <td className="py-0.5 font-mono">
                  <div className="max-h-24 overflow-y-auto whitespace-pre-wrap break-all">{value}</div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

/**
 * The attributes of the span's resource (service.name, service.instance.id, host …), stored once
 * per resource and named by the hop's `otel.resource_id` (TraceView.resources). A hop stored
 * before that has them inline among its span attributes and no id: nothing to show here.
 */
export function SpanResource({ attributes, resources }: { attributes: Record<string, string> | undefined; resources: Record<string, Record<string, string>> }) {
  const id = attributes?.[RESOURCE_ID_ATTRIBUTE]
  if (!id) return null
  const resource = resources[id]
  if (!resource)
    return (
      <div>
        <h3 className="font-medium">Resource attributes</h3>
        <p className="text-xs text-slate-500" data-testid="resource-missing">
          The span&apos;s resource (id <span className="font-mono">{id}</span>) is not stored: it is past the 91-day retention, or still being written.
        </p>
      </div>
    )
  return <SpanAttributes attributes={resource} heading="Resource attributes" testId="resource-attributes" emptyText="The span's resource had no attributes." />
}
