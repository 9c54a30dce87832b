'use client'

import { useInfiniteQuery } from '@tanstack/react-query'
import { ErrorNotice } from '../ui/empty-state'
import { useTRPC } from '../trpc/client'

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
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-2 pr-3">When</th>
            <th className="py-2 pr-3">Who</th>
            <th className="py-2 pr-3">Action</th>
            <th className="py-2 pr-3">Target</th>
            <th className="py-2 pr-3">Reason</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} className="border-t border-slate-200 dark:border-slate-800">
              <td className="py-1.5 pr-3" title={r.at.toISOString()}>
                {r.at.toLocaleString()}
              </td>
              <td className="py-1.5 pr-3">{r.actorLabel}</td>
              <td className="py-1.5 pr-3 font-mono">{r.action}</td>
              <td className="py-1.5 pr-3">
                {r.targetType}
                {r.targetId ? ` ${r.targetId}` : ''}
              </td>
              <td className="py-1.5 pr-3">{r.reason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {audit.hasNextPage && (
        <button type="button" className="btn" onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
          Load older entries
        </button>
      )}
    </section>
  )
}
