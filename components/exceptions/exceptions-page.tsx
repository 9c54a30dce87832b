'use client'

import { useQuery } from '@tanstack/react-query'
import type { RowSelectionState } from '@tanstack/react-table'
import Link from 'next/link'
import { useRouter } from 'next/navigation'
import { useState } from 'react'
import { deadLetterExportHref, deadLetterHref, exceptionsHref, newReplayHref } from '@/server/domain/links'
import { resolveRange } from '@/server/domain/time-range'
import { useHeaderState } from '../shell/url-state'
import { useTRPC } from '../trpc/client'
import { DataTable } from '../ui/data-table'
import { RowCount } from '../ui/row-count'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { groupColumns, recordColumns } from './exception-columns'
import { FilterBar } from './filter-bar'
import { GroupPanel } from './group-panel'
import { GroupTriage } from './group-triage'
import { apiFilter, useExceptionFilter } from './filters'

export function ExceptionsPage() {
  const trpc = useTRPC()
  const router = useRouter()
  const [header] = useHeaderState()
  const [f] = useExceptionFilter()
  const [selection, setSelection] = useState<RowSelectionState>({})
  const me = useQuery(trpc.me.get.queryOptions())
  const canReplay = me.data?.permissions.replay ?? false
  const canTriage = me.data?.permissions.triage ?? false
  const plant = header.plant ?? undefined
  // The header's time range, resolved on the server at every refresh (the lists count what was
  // dead-lettered in it); the plant facet (`plants`) narrows within the header's plant.
  const range = { range: header.range, from: header.from, to: header.to }
  const { plants: facetPlants, ...filter } = apiFilter(f)
  const scope = facetPlants?.length ? { plants: facetPlants } : { plant }
  const people = useQuery({ ...trpc.deadLetters.assignees.queryOptions({ plant }), enabled: canReplay || canTriage })
  const groups = useQuery({ ...trpc.deadLetters.groups.queryOptions({ ...scope, filter, range }), enabled: !f.fingerprint, refetchInterval: 15_000 })
  const records = useQuery({ ...trpc.deadLetters.records.queryOptions({ ...scope, filter, range, limit: 500 }), enabled: !!f.fingerprint, refetchInterval: 10_000 })
  const replayFilter = { ...filter, ...scope, plants: facetPlants, range: header.range, from: header.from, to: header.to }
  const exportRange = resolveRange(range)
  const exportHref = deadLetterExportHref({ ...filter, ...scope, plants: facetPlants, from: exportRange.from.toISOString(), to: exportRange.to.toISOString() })
  const groupHref = (g: { fingerprint: string }) => exceptionsHref({ ...filter, fingerprint: g.fingerprint }, header)
  const selected = Object.keys(selection).filter((k) => selection[k])
  const group = f.fingerprint ? records.data?.items[0] : undefined

  return (
    <section aria-labelledby="exceptions-title" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h1 id="exceptions-title" className="text-xl font-semibold">
          {f.fingerprint ? (
            <>
              <Link className="underline" href={exceptionsHref({ ...filter, fingerprint: null, material: null, consumerGroup: null }, header)}>
                Exceptions
              </Link>{' '}
              › {group?.errorCode ?? 'group'} <span className="text-slate-500">{group?.flow}</span>
            </>
          ) : (
            'Exceptions'
          )}
        </h1>
        <div className="flex flex-wrap gap-2" data-testid="bulk-actions">
          <a className="btn" href={exportHref} download>
            Export CSV
          </a>
          {canReplay && f.fingerprint && selected.length > 0 && (
            <Link className="btn btn-primary" href={newReplayHref({ ids: selected })}>
              Replay selected ({selected.length})
            </Link>
          )}
          {canReplay && (
            <Link className="btn" href={newReplayHref({ filter: replayFilter })} data-testid="replay-matching">
              {f.fingerprint ? 'Replay group' : 'Replay all matching'}
            </Link>
          )}
        </div>
      </div>
      <FilterBar assignees={people.data ?? []} />
      {f.fingerprint && <GroupPanel input={{ plant, filter: { ...filter, fingerprint: f.fingerprint }, range }} canWrite={canTriage} />}
      {canTriage && f.fingerprint && <GroupTriage filter={{ ...filter, ...scope, fingerprint: f.fingerprint }} assignees={people.data ?? []} />}
      {!f.fingerprint ? (
        <>
          {groups.error && <ErrorNotice error={groups.error} />}
          {groups.data && <RowCount first={1} shown={groups.data.groups.length} total={groups.data.total} />}
          <DataTable
            label="Exception groups"
            testId="groups-table"
            data={groups.data?.groups ?? []}
            columns={groupColumns(groupHref)}
            getRowId={(g) => g.fingerprint}
            onOpen={(g) => router.push(groupHref(g))}
            keyboard
            empty={
              groups.isLoading ? (
                <p className="p-4 text-sm text-slate-500">Loading exception groups…</p>
              ) : (
                <EmptyState title={Object.keys(filter).length ? 'No dead letters match these filters' : 'No dead letters indexed yet'}>
                  {Object.keys(filter).length ? (
                    <>Clear a filter, or widen the age and status.</>
                  ) : (
                    <>
                      The DLQ indexer reads dead-letter topics (names ending in <code>.dlq</code>, <code>-dlq</code>, <code>-dlt</code> or <code>.DLT</code>, or{' '}
                      <code>DLQ_TOPICS</code>) and groups failures by root cause here.
                    </>
                  )}
                </EmptyState>
              )
            }
          />
        </>
      ) : (
        <>
          {records.error && <ErrorNotice error={records.error} />}
          {records.data && <RowCount first={1} shown={records.data.items.length} total={records.data.total} />}
          <DataTable
            label="Dead letters"
            testId="records-table"
            data={records.data?.items ?? []}
            columns={recordColumns}
            getRowId={(r) => r.id}
            rowSelection={canReplay ? selection : undefined}
            onRowSelectionChange={canReplay ? setSelection : undefined}
            onOpen={(r) => router.push(deadLetterHref(r.id))}
            keyboard
            empty={
              records.isLoading ? (
                <p className="p-4 text-sm text-slate-500">Loading dead letters…</p>
              ) : (
                <EmptyState title="No dead letters in this group match the filters">Clear the status or age filter to see resolved and discarded ones.</EmptyState>
              )
            }
          />
        </>
      )}
    </section>
  )
}
