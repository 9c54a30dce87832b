'use client'

import type { ColumnDef } from '@tanstack/react-table'
import Link from 'next/link'
import { sourceSummary, type DeadLetterSource, type DeadLetterStatus } from '@/server/domain/dead-letters'
import { deadLetterHref } from '@/server/domain/links'
import type { RouterOutputs } from '../trpc/client'
import { formatCount, formatRelative, formatUtc } from '../ui/format'
import { RelativeTime } from '../ui/relative-time'
import { DeadLetterStatusBadge } from '../ui/state-badge'

type Group = RouterOutputs['deadLetters']['groups']['groups'][number]

interface Row {
  id: string
  status: DeadLetterStatus
  deadLetteredAt: Date
  plant: string | null
  flow: string | null
  errorCode: string | null
  errorMessage: string | null
  correlationId: string | null
  businessKeys: Record<string, string>
  assigneeId: string | null
  expiresSoon: boolean
  convention: string
  source: DeadLetterSource
}

/**
 * Exception groups: one row per root cause (fingerprint). The issue cell is a real link to the
 * group (middle-click opens a tab; the table's Enter and j/k open and move as before).
 */
export const groupColumns = (hrefOf: (g: Group) => string): ColumnDef<Group>[] => [
  {
    id: 'issue',
    header: 'Issue',
    accessorFn: (g) => g.sampleMessage ?? g.errorClass ?? '',
    cell: ({ row: { original: g } }) => (
      <Link href={hrefOf(g)} className="block max-w-xl hover:underline" data-testid="group-link">
        <div className="font-medium">
          {g.errorCode && <span className="mr-2 font-mono" data-testid="group-code">{g.errorCode}</span>}
          <span className="text-slate-500">{g.flow ?? 'unknown flow'}</span>
          {g.expiresSoon > 0 && <span className="ml-2 text-amber-700" title="Some records expire from the DLQ topic within a day: replay or export them">⚠ expiring</span>}
        </div>
        <div className="truncate text-sm" title={g.sampleMessage ?? undefined} data-testid="group-message">
          {g.sampleMessage ?? g.errorClass ?? 'no message'}
        </div>
      </Link>
    ),
  },
  { id: 'category', header: 'Category', meta: { priority: 3 }, accessorFn: (g) => g.category ?? 'unknown' },
  { id: 'open', header: 'Open', accessorKey: 'open', cell: ({ row }) => <span className="tabular-nums">{formatCount(row.original.open)}</span> },
  { id: 'count', header: 'Total', meta: { priority: 2 }, accessorKey: 'count', cell: ({ row }) => <span className="tabular-nums">{formatCount(row.original.count)}</span> },
  { id: 'plants', header: 'Plants', meta: { priority: 2 }, accessorFn: (g) => g.plants.join(', ') || 'unknown' },
  { id: 'first', header: 'First seen', meta: { priority: 3 }, accessorKey: 'firstSeen', cell: ({ row }) => <RelativeTime at={row.original.firstSeen} /> },
  // "Last seen" stays absolute (UTC, relative on hover): the list is for a range, the time is not.
  { id: 'last', header: 'Last seen', accessorKey: 'lastSeen', cell: ({ row }) => <span title={formatRelative(row.original.lastSeen)}>{formatUtc(row.original.lastSeen)}</span> },
]

/** The dead letters of one group. */
export const recordColumns: ColumnDef<Row>[] = [
  { id: 'status', header: 'Status', accessorKey: 'status', cell: ({ row }) => <DeadLetterStatusBadge status={row.original.status} /> },
  {
    id: 'record',
    header: 'Dead letter',
    enableSorting: false,
    cell: ({ row: { original: r } }) => (
      <Link href={deadLetterHref(r.id)} className="underline" data-testid="record-link">
        {r.businessKeys.work_order ?? r.businessKeys.lot ?? r.correlationId ?? r.id.slice(0, 8)}
      </Link>
    ),
  },
  { id: 'plant', header: 'Plant', meta: { priority: 2 }, accessorFn: (r) => r.plant ?? 'unknown' },
  { id: 'code', header: 'Code', meta: { priority: 2 }, accessorFn: (r) => r.errorCode ?? '' },
  {
    id: 'message',
    header: 'Message',
    accessorFn: (r) => r.errorMessage ?? '',
    cell: ({ row: { original: r } }) => (
      <span className="inline-block max-w-md truncate align-bottom" title={r.errorMessage ?? undefined}>
        {r.expiresSoon && <span className="text-amber-700" title="Expires from its DLQ topic soon">⚠ </span>}
        {r.errorMessage ?? '—'}
        <SourceLine source={r.source} />
      </span>
    ),
  },
  { id: 'at', header: 'Dead-lettered', meta: { priority: 2 }, accessorKey: 'deadLetteredAt', cell: ({ row }) => <RelativeTime at={row.original.deadLetteredAt} /> },
]

/** Connector / task / stage, processor node or consumer group under the message, compact and muted. */
function SourceLine({ source }: { source: DeadLetterSource }) {
  const line = sourceSummary(source)
  return line ? <span className="block truncate text-xs text-slate-500" data-testid="record-source">{line}</span> : null
}
