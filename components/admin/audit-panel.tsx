'use client'

import { useInfiniteQuery } from '@tanstack/react-query'
import type { ColumnDef } from '@tanstack/react-table'
import { DataTable } from '../ui/data-table'
import { ErrorNotice } from '../ui/empty-state'
import { useTRPC, type RouterOutputs } from '../trpc/client'

type Entry = RouterOutputs['admin']['audit']['list']['items'][number]

const columns: ColumnDef<Entry>[] = [
  { id: 'at', header: 'When', cell: ({ row }) => <span title={row.original.at.toISOString()}>{row.original.at.toLocaleString()}</span> },
  { id: 'actor', header: 'Who', cell: ({ row }) => row.original.actorLabel },
  { id: 'action', header: 'Action', meta: { className: 'font-mono' }, cell: ({ row }) => row.original.action },
  { id: 'target', header: 'Target', cell: ({ row }) => `${row.original.targetType}${row.original.targetId ? ` ${row.original.targetId}` : ''}` },
  { id: 'reason', header: 'Reason', meta: { wrap: true }, cell: ({ row }) => row.original.reason ?? '' },
]

export function AuditPanel() {
  const trpc = useTRPC()
  const audit = useInfiniteQuery(
    trpc.admin.audit.list.infiniteQueryOptions({ limit: 50 }, { getNextPageParam: (last) => last.nextCursor }),
  )
  const rows = audit.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <section aria-labelledby="audit-title" className="space-y-3">
      <h2 id="audit-title" className="text-lg font-semibold">
        Audit log
      </h2>
      {audit.error && <ErrorNotice error={audit.error} />}
      <DataTable label="Audit log" data={rows} columns={columns} getRowId={(r) => r.id} keyboard={false} />
      {audit.hasNextPage && (
        <button type="button" className="btn" onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
          Load older entries
        </button>
      )}
    </section>
  )
}
