'use client'

import { useQuery } from '@tanstack/react-query'
import type { ColumnDef } from '@tanstack/react-table'
import Link from 'next/link'
import { usePathname, useRouter, useSearchParams } from 'next/navigation'
import { useState, type FormEvent } from 'react'
import { describeSearch, parseSearch } from '@/server/domain/trace-search'
import { TXN_STATE_INFO, TXN_STATES, type TxnState } from '@/server/domain/txn-state'
import { traceHref, traceExportHref } from '@/server/domain/links'
import { useHeaderState } from '../shell/url-state'
import { useTRPC, type RouterOutputs } from '../trpc/client'
import { DataTable } from '../ui/data-table'
import { PagerBar } from '../ui/row-count'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { FlowPicker } from '../ui/pickers'
import { formatDuration, formatRelative, formatUtc } from '../ui/format'
import { TxnStateBadge } from '../ui/state-badge'
import { useTraceSearchState } from './search-state'
import { txnTiming } from './txn-timing'

type Row = RouterOutputs['traces']['search']['items'][number]

const EXPORT_LIMIT = 10_000

function columns(back: string): ColumnDef<Row>[] {
  return [
    {
      id: 'origin_time',
      header: 'Origin time',
      accessorKey: 'origin_time',
      cell: ({ row }) => (
        <Link href={traceHref(row.original.correlation_id, row.original.origin_time, back)} className="underline" title={formatUtc(row.original.origin_time)}>
          {formatRelative(row.original.origin_time)}
        </Link>
      ),
    },
    { id: 'plant', header: 'Plant', meta: { priority: 2 }, accessorKey: 'plant' },
    { id: 'line', header: 'Line', meta: { priority: 3 }, accessorKey: 'line', cell: ({ row }) => row.original.line || '—' },
    { id: 'flow', header: 'Flow', accessorKey: 'flow' },
    { id: 'work_order', header: 'Work order', accessorKey: 'work_order', cell: ({ row }) => <span className="font-mono text-xs">{row.original.work_order || '—'}</span> },
    { id: 'material', header: 'Material', meta: { priority: 3 }, accessorKey: 'material', cell: ({ row }) => <span className="font-mono text-xs">{row.original.material || '—'}</span> },
    { id: 'state', header: 'Status', accessorKey: 'state', cell: ({ row }) => <TxnStateBadge state={row.original.state} replayed={row.original.replayed} /> },
    {
      id: 'latency',
      header: 'Latency / age',
      meta: { priority: 2 },
      accessorFn: (r) => r.e2e_latency_ms ?? r.age_ms,
      cell: ({ row }) => {
        // Posted: end-to-end latency; open: age since the source event (txn-timing.ts).
        const timing = txnTiming(row.original)
        return (
          <span title={timing.text} className={timing.over ? 'font-medium text-red-700 dark:text-red-300' : undefined}>
            {timing.kind === 'age' ? 'open ' : ''}
            {formatDuration(timing.ms)}
            {timing.over ? (timing.kind === 'age' ? ' (SLA missed)' : ' (over SLA)') : ''}
          </span>
        )
      },
    },
    { id: 'attempts', header: 'Attempts', meta: { priority: 3 }, accessorKey: 'attempts', cell: ({ row }) => row.original.attempts || '—' },
  ]
}

export function TraceSearch() {
  const trpc = useTRPC()
  const router = useRouter()
  const pathname = usePathname()
  const searchParams = useSearchParams()
  const [header] = useHeaderState()
  const [s, setS] = useTraceSearchState()
  const [draft, setDraft] = useState(s.q ?? '')
  const here = `${pathname}${searchParams.size ? `?${searchParams.toString()}` : ''}`
  const input = {
    plant: header.plant ?? undefined,
    range: header.range,
    from: header.from,
    to: header.to,
    q: s.q,
    flow: s.flow,
    status: s.status,
    line: s.line,
    cursor: s.cursor,
    limit: 50,
  }
  const result = useQuery(trpc.traces.search.queryOptions(input))
  const key = parseSearch(draft)
  const first = Number(s.first ?? 1) || 1

  function submit(e: FormEvent) {
    e.preventDefault()
    void setS({ q: draft.trim() || null, cursor: null, first: null })
  }

  const rows = result.data?.items ?? []
  const exportHref = traceExportHref({ key: s.q, status: s.status, flow: s.flow, line: s.line, plant: header.plant, from: result.data?.from, to: result.data?.to })

  return (
    <section aria-labelledby="traces-title" className="space-y-3">
      <h1 id="traces-title" className="text-xl font-semibold">
        Traces
      </h1>
      <form role="search" onSubmit={submit} className="flex flex-wrap items-end gap-2">
        <label className="flex min-w-80 flex-1 flex-col text-sm">
          <span>Search</span>
          <input
            className="input font-mono"
            name="q"
            aria-label="Search transactions"
            placeholder="work order, lot, material, shipment, ERP document, correlation id, trace id — or key:value"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
        </label>
        <button type="submit" className="btn btn-primary">
          Search
        </button>
        <label className="flex flex-col text-sm">
          <span>Flow</span>
          <FlowPicker
            aria-label="Flow"
            className="input"
            any="All flows"
            value={s.flow?.[0] ?? ''}
            onChange={(e) => void setS({ flow: e.target.value ? [e.target.value] : null, cursor: null, first: null })}
          />
        </label>
        <label className="flex flex-col text-sm">
          <span>Status</span>
          <select
            aria-label="Status"
            className="input"
            value={s.status?.[0] ?? ''}
            onChange={(e) => void setS({ status: e.target.value ? [e.target.value as TxnState] : null, cursor: null, first: null })}
          >
            <option value="">All statuses</option>
            {TXN_STATES.map((st) => (
              <option key={st} value={st}>
                {TXN_STATE_INFO[st].icon} {TXN_STATE_INFO[st].label}
              </option>
            ))}
          </select>
        </label>
      </form>
      <p className="text-xs text-slate-500" data-testid="search-reading">
        {key ? `Searches ${describeSearch(key)}` : 'Empty search: the latest transactions in the time range.'} Time range, plant and filters are in the URL — share it.
      </p>
      {result.error && <ErrorNotice error={result.error} />}
      {result.data?.keyMatchesCapped && (
        <p role="status" className="text-sm text-amber-800 dark:text-amber-200">
          This key matches more than 1,000 transactions; the latest are listed. Narrow the time range to see older ones.
        </p>
      )}
      <PagerBar
        first={first}
        shown={rows.length}
        page={result.data ? { cursor: s.cursor ?? null, nextCursor: result.data.nextCursor } : undefined}
        onPage={(to) => void setS(to ? { cursor: to.cursor, first: String(to.first) } : { cursor: null, first: null })}
        exportHref={exportHref}
        exportLimit={EXPORT_LIMIT}
      />
      <DataTable
        label="Transactions"
        testId="trace-results"
        data={rows}
        columns={columns(here)}
        getRowId={(r) => r.correlation_id}
        onOpen={(r) => router.push(traceHref(r.correlation_id, r.origin_time, here))}
        empty={
          result.isLoading ? (
            <p className="p-4 text-sm text-slate-500">Searching…</p>
          ) : (
            <EmptyState title={s.q ? `No transaction found for ${key ? describeSearch(key) : s.q}` : 'No transactions in this time range'}>
              {s.q
                ? 'Check the value, widen the time range (header, top right), or write the key type explicitly, e.g. work_order:155000000002 or material:FG10022.'
                : 'Widen the time range or pick another plant; transactions appear here as soon as their first hop event is ingested.'}
            </EmptyState>
          )
        }
      />
    </section>
  )
}
