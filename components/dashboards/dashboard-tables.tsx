'use client'

import type { ColumnDef } from '@tanstack/react-table'
import Link from 'next/link'
import type { ReactNode } from 'react'
import { exceptionsHref, tracesHref, type HeaderState } from '@/server/domain/links'
import type { RouterOutputs } from '../trpc/client'
import { DataTable } from '../ui/data-table'
import { formatCount, formatDuration, formatPercent } from '../ui/format'

type Dashboard = RouterOutputs['kpis']['plant']
type FlowRow = Dashboard['report']['flows'][number]
type LineRow = Dashboard['lines'][number]
type HopRow = Dashboard['hops'][number]
type ProductionRow = Dashboard['report']['production'][number]

const pct = (n: number, d: number) => (d ? (100 * n) / d : null)
const link = (href: string, text: ReactNode) => (
  <Link href={href} className="hover:underline">
    {text}
  </Link>
)
const num = { className: 'tabular-nums' }

/** A captioned table of the dashboard (no keyboard: the page has several). */
function TableCard<T>({ caption, testId, data, columns, getRowId }: { caption: string; testId: string; data: readonly T[]; columns: ColumnDef<T>[]; getRowId: (row: T) => string }) {
  return (
    <div className="space-y-2" data-testid={testId}>
      <h2 className="font-medium">{caption}</h2>
      <DataTable
        label={caption}
        data={data}
        columns={columns}
        getRowId={getRowId}
        keyboard={false}
        empty={<p className="px-3 py-3 text-sm text-slate-500">Nothing in this range.</p>}
      />
    </div>
  )
}

export function FlowTable({ flows, h }: { flows: readonly FlowRow[]; h: HeaderState }) {
  const traces = (f: FlowRow, status?: string[]) => tracesHref({ flow: [f.flow], status }, h)
  const columns: ColumnDef<FlowRow>[] = [
    { id: 'flow', header: 'Flow', meta: num, cell: ({ row }) => link(traces(row.original), row.original.flow) },
    { id: 'transactions', header: 'Transactions', meta: num, cell: ({ row }) => link(traces(row.original), formatCount(row.original.transactions)) },
    { id: 'firstPass', header: 'First-pass', meta: { ...num, priority: 2 }, cell: ({ row }) => formatPercent(pct(row.original.first_attempt_ok, row.original.settled)) },
    {
      id: 'e2e',
      header: 'E2E p95 / target',
      meta: num,
      cell: ({ row: { original: f } }) => (
        <span className={f.e2e_p95_ms !== null && f.e2e_p95_ms / 1000 > f.e2eTarget.value ? 'text-red-700 dark:text-red-300' : ''}>
          {formatDuration(f.e2e_p95_ms)} / {formatDuration(f.e2eTarget.value * 1000)}
        </span>
      ),
    },
    {
      id: 'open',
      header: 'Open',
      meta: num,
      cell: ({ row }) => link(traces(row.original, ['in_progress', 'retrying', 'waiting', 'partial', 'dead_lettered', 'stuck']), formatCount(row.original.open)),
    },
    { id: 'stuck', header: 'Stuck', meta: num, cell: ({ row }) => link(traces(row.original, ['stuck']), formatCount(row.original.stuck)) },
    { id: 'deadLettered', header: 'Dead-lettered', meta: num, cell: ({ row }) => link(exceptionsHref({ flow: [row.original.flow] }, h), formatCount(row.original.dead_lettered)) },
    { id: 'duplicates', header: 'Duplicates', meta: { ...num, priority: 3 }, cell: ({ row }) => formatCount(row.original.duplicates) },
    {
      id: 'technical',
      header: 'Technical failures',
      meta: num,
      cell: ({ row: { original: f } }) => link(exceptionsHref({ flow: [f.flow], category: ['transient'] }, h), formatPercent(pct(f.errors_transient, f.posting_requests), 2)),
    },
  ]
  return <TableCard caption="By flow" testId="by-flow" data={flows} columns={columns} getRowId={(f) => f.flow} />
}

export function LineTable({ lines, h }: { lines: readonly LineRow[]; h: HeaderState }) {
  const columns: ColumnDef<LineRow>[] = [
    { id: 'line', header: 'Line', meta: num, cell: ({ row }) => link(tracesHref({ line: row.original.line || null }, h), row.original.line || '(no line)') },
    { id: 'events', header: 'ERP events', meta: { ...num, priority: 2 }, cell: ({ row }) => formatCount(row.original.events) },
    { id: 'errors', header: 'ERP errors', meta: num, cell: ({ row }) => link(exceptionsHref({ q: row.original.line || null }, h), formatCount(row.original.errors)) },
    { id: 'postings', header: 'Postings', meta: { ...num, priority: 3 }, cell: ({ row }) => formatCount(row.original.postings) },
    { id: 'failures', header: 'Posting failures', meta: num, cell: ({ row }) => formatCount(row.original.failures) },
    { id: 'deadLettered', header: 'Dead-lettered', meta: num, cell: ({ row }) => formatCount(row.original.deadLettered) },
  ]
  return <TableCard caption="By line" testId="by-line" data={lines} columns={columns} getRowId={(l) => l.line} />
}

export function HopTable({ hops }: { hops: readonly HopRow[] }) {
  const columns: ColumnDef<HopRow>[] = [
    { id: 'hop', header: 'Hop', meta: num, cell: ({ row }) => row.original.hop },
    { id: 'events', header: 'Events', meta: num, cell: ({ row }) => formatCount(row.original.events) },
    { id: 'errors', header: 'Errors', meta: num, cell: ({ row }) => formatCount(row.original.errors) },
    { id: 'p50', header: 'p50', meta: num, cell: ({ row }) => formatDuration(row.original.p50) },
    { id: 'p95', header: 'p95', meta: num, cell: ({ row }) => formatDuration(row.original.p95) },
    { id: 'max', header: 'max', meta: num, cell: ({ row }) => formatDuration(row.original.max) },
  ]
  const slowest = [...hops].sort((a, b) => (b.p95 ?? -1) - (a.p95 ?? -1))
  return <TableCard caption="Hop latency (which hop is slow)" testId="by-hop" data={slowest} columns={columns} getRowId={(r) => r.hop} />
}

/** A ratio of the OEE family: the percentage, or "—" with the reason the inputs cannot support one (server/domain/oee.ts). */
function Ratio({ r }: { r: ProductionRow['oee'] }) {
  if (r.value !== null) return <>{formatPercent(100 * r.value)}</>
  return (
    <span title={r.reason ?? undefined} className="cursor-help underline decoration-dotted" data-testid="oee-reason">
      —<span className="sr-only"> ({r.reason})</span>
    </span>
  )
}

export function OeeTable({ production }: { production: readonly ProductionRow[] }) {
  const columns: ColumnDef<ProductionRow>[] = [
    { id: 'line', header: 'Line', meta: num, cell: ({ row }) => row.original.line || '(no line)' },
    { id: 'availability', header: 'Availability', meta: num, cell: ({ row }) => <Ratio r={row.original.availability} /> },
    { id: 'performance', header: 'Performance', meta: num, cell: ({ row }) => <Ratio r={row.original.performance} /> },
    { id: 'quality', header: 'Quality', meta: num, cell: ({ row }) => <Ratio r={row.original.quality} /> },
    { id: 'oee', header: 'OEE', meta: num, cell: ({ row }) => <Ratio r={row.original.oee} /> },
    { id: 'scrap', header: 'Scrap', meta: num, cell: ({ row }) => formatPercent(pct(row.original.scrap, row.original.produced)) },
  ]
  const active = production.filter((p) => p.planned_ms > 0 || p.produced !== 0)
  return <TableCard caption="OEE by line (ISO 22400)" testId="oee-by-line" data={active} columns={columns} getRowId={(p) => p.line} />
}
