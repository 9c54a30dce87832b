'use client'

import { useInfiniteQuery } from '@tanstack/react-query'
import type { ColumnDef } from '@tanstack/react-table'
import { describeChange } from '@/server/domain/changes'
import { DataTable } from '../ui/data-table'
import { ErrorNotice } from '../ui/empty-state'
import { formatUserTime, formatUtc } from '../ui/format'
import { useTRPC, type RouterOutputs } from '../trpc/client'

type Entry = RouterOutputs['admin']['audit']['list']['items'][number]

/** The target as people know it; the raw type and id stay on hover for support. */
function Target({ entry: e }: { entry: Entry }) {
  const raw = `${e.targetType}${e.targetId ? ` ${e.targetId}` : ''}`
  return <span title={raw}>{e.targetLabel ? `${e.targetType.replace('_', ' ')} ${e.targetLabel}` : raw}</span>
}

// Who acted is a person's action: shown in the viewer's own zone (UI.md), UTC on hover.
export const auditColumns: ColumnDef<Entry>[] = [
  {
    id: 'at',
    header: 'When',
    cell: ({ row: { original: e } }) => (
      <time dateTime={e.at.toISOString()} title={formatUtc(e.at)}>
        {formatUserTime(e.at)}
      </time>
    ),
  },
  { id: 'actor', header: 'Who', cell: ({ row }) => row.original.actorLabel },
  { id: 'action', header: 'Action', meta: { className: 'font-mono' }, cell: ({ row }) => row.original.action },
  { id: 'target', header: 'Target', meta: { wrap: true }, cell: ({ row }) => <Target entry={row.original} /> },
  {
    id: 'change',
    header: 'Change',
    meta: { wrap: true },
    cell: ({ row: { original: e } }) =>
      e.changes.length ? (
        <ul data-testid="audit-change">
          {e.changes.map((c) => (
            <li key={c.field}>{describeChange(c)}</li>
          ))}
        </ul>
      ) : (
        <span className="text-slate-500">—</span>
      ),
  },
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
      <DataTable label="Audit log" data={rows} columns={auditColumns} getRowId={(r) => r.id} keyboard={false} />
      {audit.hasNextPage && (
        <button type="button" className="btn" onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
          Load older entries
        </button>
      )}
    </section>
  )
}
