'use client'

import type { ColumnDef } from '@tanstack/react-table'
import Link from 'next/link'
import { useRouter } from 'next/navigation'
import { traceHref } from '@/server/domain/links'
import { RECON_KIND_INFO } from '@/server/domain/reconciliation'
import type { RouterOutputs } from '../trpc/client'
import { DataTable } from '../ui/data-table'
import { EmptyState } from '../ui/empty-state'
import { formatDuration, formatPlantTime, formatQuantity, formatUtc } from '../ui/format'
import { flowLabel } from '../ui/pickers'

type Row = RouterOutputs['reconciliation']['transactions']['items'][number]

const qty = (n: number | null) => (n === null ? '—' : formatQuantity(n))

function columns(back: string, timeZone: string): ColumnDef<Row>[] {
  return [
    {
      id: 'origin',
      header: 'Source event',
      accessorKey: 'originTime',
      cell: ({ row }) => (
        <Link href={traceHref(row.original.correlationId, row.original.originTime, back)} className="underline" title={formatUtc(row.original.originTime)}>
          {formatPlantTime(new Date(row.original.originTime), timeZone)}
        </Link>
      ),
    },
    {
      id: 'kinds',
      header: 'Difference',
      accessorKey: 'kinds',
      cell: ({ row }) => (
        <span className="flex flex-wrap gap-1">
          {row.original.kinds.map((k) => (
            <span key={k} className="rounded bg-red-50 px-1.5 py-0.5 text-xs text-red-800 dark:bg-red-950 dark:text-red-200" title={RECON_KIND_INFO[k].description}>
              {RECON_KIND_INFO[k].icon} {RECON_KIND_INFO[k].label}
              {k === 'never_posted' && row.original.parked ? ' (dead-lettered)' : ''}
            </span>
          ))}
        </span>
      ),
    },
    { id: 'flow', header: 'Flow', accessorKey: 'flow', cell: ({ row }) => flowLabel(row.original.flow) },
    { id: 'wo', header: 'Work order', accessorKey: 'workOrder', cell: ({ row }) => <span className="font-mono text-xs">{row.original.workOrder || '—'}</span> },
    {
      id: 'qty',
      header: 'Qty sent → posted',
      accessorKey: 'sourceQty',
      cell: ({ row }) => `${qty(row.original.sourceQty)} → ${qty(row.original.erpQty)}`,
    },
    { id: 'docs', header: 'ERP documents', accessorKey: 'documents', cell: ({ row }) => <span className="font-mono text-xs">{row.original.documents.join(', ') || '—'}</span> },
    {
      id: 'delay',
      header: 'Posted after',
      accessorKey: 'delayMs',
      cell: ({ row }) => (
        <span title={`Flow SLA ${formatDuration(row.original.slaMs)}`}>{row.original.delayMs === null ? 'not posted' : formatDuration(row.original.delayMs)}</span>
      ),
    },
    { id: 'cid', header: 'Correlation id', accessorKey: 'correlationId', cell: ({ row }) => <span className="font-mono text-xs">{row.original.correlationId}</span> },
  ]
}

/** The transactions that differ; a row (or Enter on it) opens its trace. */
export function ReconList({ rows, loading, back, timeZone }: { rows: Row[]; loading: boolean; back: string; timeZone: string }) {
  const router = useRouter()
  return (
    <DataTable
      label="Transactions that differ"
      testId="recon-differences"
      data={rows}
      columns={columns(back, timeZone)}
      getRowId={(r) => r.correlationId}
      onOpen={(r) => router.push(traceHref(r.correlationId, r.originTime, back))}
      empty={
        loading ? (
          <p className="p-4 text-sm text-slate-500">Reconciling…</p>
        ) : (
          <EmptyState title="No differences in this time range">
            Every transaction the shop floor sent was posted once, on time and with its quantity — or is still within its flow SLA. Widen the time range or
            clear the filters to check further back.
          </EmptyState>
        )
      }
    />
  )
}
