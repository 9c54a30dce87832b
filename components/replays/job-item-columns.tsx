'use client'

import type { ColumnDef } from '@tanstack/react-table'
import Link from 'next/link'
import { deadLetterHref, traceHref } from '@/server/domain/links'
import type { RouterOutputs } from '../trpc/client'
import { formatPlantTime, formatUtc } from '../ui/format'
import { DeadLetterStatusBadge, ReplayItemStatusBadge } from '../ui/state-badge'

type Item = RouterOutputs['replays']['get']['items'][number]

/** The records of a replay job: outcome, the dead letter's state, its transaction and where it was produced. */
export function itemColumns(timeZone: (plant: string | null) => string): ColumnDef<Item>[] {
  const local = (d: Date, plant: string | null) => formatPlantTime(d, timeZone(plant))
  return [
    { id: 'outcome', header: 'Outcome', accessorKey: 'status', cell: ({ row }) => <ReplayItemStatusBadge status={row.original.status} /> },
    {
      id: 'deadLetter',
      header: 'Dead letter',
      accessorFn: (i) => i.deadLetter.status,
      cell: ({ row }) => (
        <span className="inline-flex items-center gap-2">
          <DeadLetterStatusBadge status={row.original.deadLetter.status} />
          <Link className="font-mono text-xs underline" href={deadLetterHref(row.original.deadLetterId)}>
            {row.original.deadLetterId.slice(0, 8)}
          </Link>
        </span>
      ),
    },
    {
      id: 'trace',
      header: 'Transaction',
      accessorFn: (i) => i.deadLetter.correlationId ?? '',
      cell: ({ row }) =>
        row.original.deadLetter.correlationId ? (
          <Link className="font-mono text-xs underline" href={traceHref(row.original.deadLetter.correlationId, row.original.deadLetter.originTime)}>
            {row.original.deadLetter.correlationId}
          </Link>
        ) : (
          <span className="text-slate-500">not linked</span>
        ),
    },
    { id: 'plant', header: 'Plant', meta: { priority: 2 }, accessorFn: (i) => i.deadLetter.plant ?? '—' },
    { id: 'code', header: 'Error', meta: { priority: 2 }, accessorFn: (i) => i.deadLetter.errorCode ?? '—' },
    {
      id: 'failed',
      header: 'Dead-lettered',
      meta: { priority: 3 },
      accessorFn: (i) => i.deadLetter.recordTimestamp,
      cell: ({ row }) => <span title={formatUtc(row.original.deadLetter.recordTimestamp)}>{local(row.original.deadLetter.recordTimestamp, row.original.deadLetter.plant)}</span>,
    },
    {
      id: 'produced',
      header: 'Produced to',
      meta: { priority: 3 },
      accessorFn: (i) => i.producedAt ?? '',
      cell: ({ row }) =>
        row.original.producedOffset !== null ? (
          <span className="font-mono text-xs" title={row.original.producedAt ? formatUtc(row.original.producedAt) : undefined}>
            {row.original.targetTopic}/{row.original.producedPartition}/{row.original.producedOffset}
          </span>
        ) : (
          <span className="font-mono text-xs text-slate-500">{row.original.targetTopic}</span>
        ),
    },
    {
      id: 'notes',
      header: 'Notes',
      enableSorting: false,
      cell: ({ row }) => (
        <span className="whitespace-normal text-xs">
          {row.original.edited && <span title="Produced with an edited payload (diff in the audit log)">✎ edited </span>}
          {row.original.duplicateRisk && <span title="Its transaction had already posted: forced by an admin">⚠ forced </span>}
          {row.original.orderingRisk && <span title="Newer events for its work order/lot had posted before the replay">⇅ ordering risk </span>}
          {row.original.error && <span className="text-red-700 dark:text-red-300">{row.original.error}</span>}
        </span>
      ),
    },
  ]
}
