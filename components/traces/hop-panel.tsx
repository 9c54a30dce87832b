'use client'

import { useQuery } from '@tanstack/react-query'
import Link from 'next/link'
import { useState } from 'react'
import { BUSINESS_KEY_TYPES } from '@/server/domain/trace-search'
import { tracesHref } from '@/server/domain/links'
import { useTRPC } from '../trpc/client'
import { ErrorNotice } from '../ui/empty-state'
import { CopyButton } from '../ui/copy-button'
import { formatDuration, formatPlantTime, formatUtc } from '../ui/format'
import { HopGuidance } from './hop-guidance'
import { SpanAttributes, SpanResource, SpanSummary } from './otel-span'
import type { TraceData, TraceHop } from './trace-types'

// `otlp` is shown as the span section, not as a field.
const HIDDEN = new Set(['attributes', 'serials', 'otlp'])

function Field({ name, value }: { name: string; value: unknown }) {
  const text = value === null || value === undefined || value === '' ? '—' : typeof value === 'object' ? JSON.stringify(value) : String(value)
  const search = (BUSINESS_KEY_TYPES as readonly string[]).includes(name) && text !== '—' ? tracesHref({ q: `${name}:${text}` }) : null
  return (
    <>
      <dt className="text-slate-500">{name}</dt>
      <dd className="break-all font-mono">{search ? <Link href={search} className="underline" title="Search transactions with this key">{text}</Link> : text}</dd>
    </>
  )
}

/** Everything about one hop: fields, attributes, the error and what to do, the payload on demand. */
export function HopPanel({
  hop,
  resources,
  correlationId,
  originTime,
  timeZone,
}: {
  hop: TraceHop
  /** The trace's OpenTelemetry resources by id (TraceView.resources). */
  resources: TraceData['resources']
  correlationId: string
  originTime: string
  timeZone: string
}) {
  const trpc = useTRPC()
  const [showPayload, setShowPayload] = useState(false)
  const payload = useQuery({
    ...trpc.traces.payload.queryOptions({ correlationId, eventId: hop.event_id, t: originTime }),
    enabled: showPayload,
  })
  const attributes = Object.entries(hop.attributes ?? {})
  return (
    <aside aria-label="Hop details" data-testid="hop-panel" className="space-y-3 rounded-lg border border-slate-200 p-3 text-sm dark:border-slate-800">
      <div className="flex items-start justify-between gap-2">
        <div>
          <h2 className="font-semibold">{hop.event_type}</h2>
          <p className="text-xs text-slate-500">
            {hop.hop} · {hop.status} · +{formatDuration(hop.since_origin_ms)} after the source event, at{' '}
            <time dateTime={hop.occurred_at} title={formatUtc(hop.occurred_at)}>
              {formatPlantTime(new Date(hop.occurred_at), timeZone, { seconds: true })}
            </time>
          </p>
        </div>
        <CopyButton text={hop.event_id} label="Copy event id" />
      </div>

      {hop.error_category && (
        <div role="note" className="rounded border border-red-300 bg-red-50 p-2 dark:border-red-800 dark:bg-red-950">
          <p className="font-medium">
            {hop.error_category} error {hop.error_code && <span className="font-mono">{hop.error_code}</span>}
          </p>
          {hop.error_text && <p className="whitespace-pre-wrap">{hop.error_text}</p>}
          {hop.dependency_key && <p className="font-mono text-xs">waits for {hop.dependency_key}</p>}
          <HopGuidance category={hop.error_category} code={hop.error_code} text={hop.error_text} />
        </div>
      )}

      {hop.otlp && <SpanSummary hop={hop} />}

      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-xs">
        {Object.entries(hop)
          .filter(([k]) => !HIDDEN.has(k))
          .map(([k, v]) => (
            <Field key={k} name={k} value={v} />
          ))}
        <Field name="serials" value={hop.serials?.join(', ')} />
      </dl>

      {hop.otlp ? (
        <>
          <SpanAttributes attributes={hop.attributes} />
          <SpanResource attributes={hop.attributes} resources={resources} />
        </>
      ) : (
        <div>
          <h3 className="font-medium">Attributes</h3>
          {attributes.length === 0 ? (
            <p className="text-xs text-slate-500">None on this hop.</p>
          ) : (
            <dl className="grid grid-cols-[auto_1fr] gap-x-3 text-xs">
              {attributes.map(([k, v]) => (
                <Field key={k} name={k} value={v} />
              ))}
            </dl>
          )}
        </div>
      )}

      <div className="space-y-1">
        <div className="flex items-center justify-between">
          <h3 className="font-medium">Payload</h3>
          {!showPayload ? (
            <button type="button" className="btn px-2 py-0.5 text-xs" onClick={() => setShowPayload(true)}>
              Show payload
            </button>
          ) : payload.data?.available ? (
            <CopyButton text={payload.data.text} label="Copy payload" />
          ) : null}
        </div>
        {hop.payload_truncated && <p className="text-xs text-amber-800 dark:text-amber-200">The payload was over 256 KiB and was cut at ingest.</p>}
        {payload.error && <ErrorNotice error={payload.error} />}
        {showPayload && payload.isLoading && <p className="text-xs text-slate-500">Loading payload…</p>}
        {payload.data && !payload.data.available && <p className="text-xs text-slate-500">No payload kept for this hop (none was sent, or it is past the 30-day payload retention).</p>}
        {payload.data?.available && (
          <pre data-testid="payload" className="max-h-96 overflow-auto rounded bg-slate-100 p-2 font-mono text-xs dark:bg-slate-900">
            {payload.data.text}
          </pre>
        )}
      </div>
    </aside>
  )
}
