'use client'

import { useQuery } from '@tanstack/react-query'
import type { ColumnDef } from '@tanstack/react-table'
import Link from 'next/link'
import { useState } from 'react'
import { DataTable } from '../ui/data-table'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { formatCount, formatUserTime } from '../ui/format'
import { RelativeTime } from '../ui/relative-time'
import { useTRPC, type RouterOutputs } from '../trpc/client'
import { MappingEditor } from './otlp-mapping-editor'

type ServicesView = RouterOutputs['admin']['otlp']['services']
type ServiceRow = ServicesView['services'][number]

const perMinute = (hops1h: number) => (hops1h === 0 ? '0' : (hops1h / 60).toFixed(hops1h < 600 ? 2 : 1))

const serviceColumns: ColumnDef<ServiceRow>[] = [
  {
    id: 'service',
    accessorFn: (s) => s.service,
    header: 'Service',
    meta: { className: 'font-mono' },
    cell: ({ row }) =>
      row.original.service || (
        <span title="Export requests that could not be decoded, and spans whose JSON Postgres cannot read (a NUL in an attribute): their service.name is unknown">
          (service not readable)
        </span>
      ),
  },
  { id: 'rate', accessorFn: (s) => s.hops1h, header: 'Hops /min (1 h)', meta: { className: 'tabular-nums' }, cell: ({ row }) => perMinute(row.original.hops1h) },
  { id: 'hops24h', accessorFn: (s) => s.hops24h, header: 'Hops (24 h)', meta: { className: 'tabular-nums' }, cell: ({ row }) => formatCount(row.original.hops24h) },
  {
    id: 'errors',
    accessorFn: (s) => s.errorHops24h,
    header: 'Failed spans (24 h)',
    meta: { className: 'tabular-nums', priority: 2 },
    cell: ({ row }) => formatCount(row.original.errorHops24h),
  },
  {
    id: 'unmapped',
    accessorFn: (s) => s.unmapped24h,
    header: 'Unmapped (1 h / 24 h)',
    meta: { className: 'tabular-nums' },
    cell: ({ row: { original: s } }) => `${formatCount(s.unmapped1h)} / ${formatCount(s.unmapped24h)}`,
  },
  {
    id: 'reasons',
    header: 'Why unmapped (24 h)',
    meta: { wrap: true },
    cell: ({ row }) =>
      row.original.unmappedByReason.length ? (
        <ul>
          {row.original.unmappedByReason.map((r) => (
            <li key={r.reason}>
              <code>{r.reason}</code> × {formatCount(r.count24h)}
            </li>
          ))}
        </ul>
      ) : (
        '—'
      ),
  },
  {
    id: 'lastError',
    header: 'Last error',
    meta: { wrap: true },
    cell: ({ row: { original: s } }) =>
      s.lastError ? (
        <div className="max-w-md space-y-1">
          <p className="break-words">{s.lastError.message}</p>
          <p className="text-xs text-slate-500">
            <RelativeTime at={s.lastError.at} /> · <Link href={`/exceptions/${s.lastError.deadLetterId}`}>open the dead letter</Link>
          </p>
        </div>
      ) : (
        '—'
      ),
  },
  {
    id: 'lastHop',
    accessorFn: (s) => s.lastHopAt?.getTime() ?? 0,
    header: 'Last hop',
    meta: { priority: 3 },
    cell: ({ row }) => (row.original.lastHopAt ? <RelativeTime at={row.original.lastHopAt} /> : 'none'),
  },
]

/** How to point an exporter at Linetrace: shown when no service has sent spans. */
export function ExporterHowTo({ endpoint }: { endpoint: ServicesView['endpoint'] }) {
  return (
    <EmptyState title="No OpenTelemetry spans in the last 24 hours">
      <p>
        Point an OTLP/HTTP trace exporter at <code className="select-all">{endpoint.consoleUrl}</code>
        {endpoint.port > 0 ? (
          <>
            {' '}
            or at the ingest worker&apos;s port <code>{endpoint.port}</code> (<code>http://&lt;worker host&gt;:{endpoint.port}/v1/traces</code>, OTLP_HTTP_PORT)
          </>
        ) : (
          ' (the worker\u2019s own OTLP port is off: OTLP_HTTP_PORT=0)'
        )}
        , e.g. <code>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</code>, with the header{' '}
        <code>Authorization: Bearer &lt;token&gt;</code>. The token needs the <strong>ingest</strong> scope: create one under API tokens below
        (&quot;may send telemetry&quot;).
      </p>
    </EmptyState>
  )
}

export function OtlpServicesTable({ view }: { view: ServicesView }) {
  return (
    <div className="space-y-2">
      <DataTable
        label="OpenTelemetry services"
        data={view.services}
        columns={serviceColumns}
        getRowId={(s) => s.service || '(unreadable)'}
        rowTestId={(s) => `otlp-service-${s.service}`}
        keyboard={false}
        empty={<ExporterHowTo endpoint={view.endpoint} />}
      />
      <p className="text-xs text-slate-500">
        Since {formatUserTime(view.dayFrom)} (hops by span end time, unmapped spans by when they were dead-lettered). Ignored spans (database calls, HTTP
        servers, batch polls: not hops by design) are not counted here; the worker counts them in its metric{' '}
        <code>linetrace_otlp_spans_ignored_total&#123;service&#125;</code> at <code>/api/metrics</code>.
      </p>
    </div>
  )
}

export function OtlpPanel() {
  const trpc = useTRPC()
  const services = useQuery(trpc.admin.otlp.services.queryOptions(undefined, { refetchInterval: 30_000 }))
  const mapping = useQuery(trpc.admin.otlp.mapping.queryOptions())
  const [saved, setSaved] = useState(false)
  return (
    <section aria-labelledby="otlp-title" className="space-y-3">
      <h2 id="otlp-title" className="text-lg font-semibold">
        OpenTelemetry
      </h2>
      {services.error && <ErrorNotice error={services.error} />}
      {services.data && <OtlpServicesTable view={services.data} />}
      <h3 className="font-semibold">Span mapping</h3>
      {mapping.error && <ErrorNotice error={mapping.error} />}
      {mapping.data && <MappingEditor key={mapping.data.updatedAt?.toISOString() ?? 'defaults'} mapping={mapping.data} saved={saved} onSaved={setSaved} />}
    </section>
  )
}
