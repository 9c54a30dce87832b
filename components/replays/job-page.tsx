'use client'

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { ColumnDef } from '@tanstack/react-table'
import Link from 'next/link'
import { parseAsStringLiteral, useQueryState } from 'nuqs'
import { useState } from 'react'
import { REPLAY_ITEM_STATUS_INFO, REPLAY_ITEM_STATUSES, type ReplayAction, type ReplayItemStatus, type ReplayJobStatus } from '@/server/domain/replays'
import { deadLetterHref, replaysHref, traceHref } from '@/server/domain/links'
import { useTRPC, type RouterOutputs } from '../trpc/client'
import { DataTable } from '../ui/data-table'
import { RowCount } from '../ui/row-count'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { formatPlantTime, formatRelative, formatUtc } from '../ui/format'
import { DeadLetterStatusBadge, ReplayItemStatusBadge, ReplayJobStatusBadge } from '../ui/state-badge'
import { usePlantTimeZone } from '../shell/use-plant-time-zone'
import { ProgressBar } from './progress'

type Item = RouterOutputs['replays']['get']['items'][number]

const LIVE: ReplayJobStatus[] = ['awaiting_approval', 'queued', 'running', 'paused']

function itemColumns(timeZone: (plant: string | null) => string): ColumnDef<Item>[] {
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
    { id: 'plant', header: 'Plant', accessorFn: (i) => i.deadLetter.plant ?? '—' },
    { id: 'code', header: 'Error', accessorFn: (i) => i.deadLetter.errorCode ?? '—' },
    {
      id: 'failed',
      header: 'Dead-lettered',
      accessorFn: (i) => i.deadLetter.recordTimestamp,
      cell: ({ row }) => <span title={formatUtc(row.original.deadLetter.recordTimestamp)}>{local(row.original.deadLetter.recordTimestamp, row.original.deadLetter.plant)}</span>,
    },
    {
      id: 'produced',
      header: 'Produced to',
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

export function ReplayJobPage({ id }: { id: string }) {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const [itemStatus, setItemStatus] = useQueryState('outcome', parseAsStringLiteral(REPLAY_ITEM_STATUSES).withOptions({ history: 'push' }))
  const me = useQuery(trpc.me.get.queryOptions())
  const timeZone = usePlantTimeZone()
  const data = useQuery({
    ...trpc.replays.get.queryOptions({ id, itemStatus: itemStatus ? [itemStatus] : undefined, limit: 500 }),
    // Live progress while the job can still change (and a little after, for the closed loop).
    refetchInterval: (q) => (q.state.data && LIVE.includes(q.state.data.job.status) ? 1_500 : 5_000),
  })
  const [reason, setReason] = useState('')
  const control = useMutation(
    trpc.replays.control.mutationOptions({
      onSuccess: () => {
        setReason('')
        return queryClient.invalidateQueries({ queryKey: trpc.replays.pathKey() })
      },
    }),
  )

  if (data.error) return <ErrorNotice error={data.error} />
  if (!data.data) return <p className="text-sm text-slate-500">Loading the replay job…</p>
  const { job, items, nextCursor } = data.data
  const canAct = me.data?.permissions.replay ?? false
  const own = me.data?.label === job.createdBy
  const act = (action: ReplayAction) => control.mutate({ id, action, reason: reason.trim() || undefined })
  const resolved = items.filter((i) => i.deadLetter.status === 'resolved').length

  return (
    <section aria-labelledby="job-title" className="space-y-4">
      <p className="text-sm">
        <Link href={replaysHref()} className="underline">
          ← Replay jobs
        </Link>
      </p>
      <div className="flex flex-wrap items-center gap-3">
        <h1 id="job-title" className="text-xl font-semibold">
          Replay job <span className="font-mono text-base">{job.id.slice(0, 8)}</span>
        </h1>
        <ReplayJobStatusBadge status={job.status} />
      </div>
      <div className="card space-y-3">
        <ProgressBar job={job} />
        <dl className="grid grid-cols-[10rem_1fr] gap-y-1 text-sm">
          <dt className="text-slate-500">Reason</dt>
          <dd data-testid="job-reason">{job.reason}</dd>
          <dt className="text-slate-500">Plant(s)</dt>
          <dd>{job.plants.join(', ') || 'unknown'}</dd>
          <dt className="text-slate-500">Created</dt>
          <dd title={formatUtc(job.createdAt)}>
            {formatRelative(job.createdAt)} by {job.createdBy}
          </dd>
          <dt className="text-slate-500">Approval</dt>
          <dd>{!job.approvalRequired ? 'not needed' : job.approvedBy ? `approved by ${job.approvedBy}` : job.status === 'awaiting_approval' ? 'waiting for a second person of the plant' : '—'}</dd>
          {job.forced && (
            <>
              <dt className="text-slate-500">Forced</dt>
              <dd>⚠ past the idempotency guard: {job.forceReason}</dd>
            </>
          )}
          <dt className="text-slate-500">Closed loop</dt>
          <dd data-testid="resolved-count">
            {resolved} of {items.length} shown resolved by telemetry (posted after the replay)
          </dd>
          {job.lastError && (
            <>
              <dt className="text-slate-500">Last error</dt>
              <dd className="text-red-700 dark:text-red-300">{job.lastError}</dd>
            </>
          )}
          {job.endReason && (
            <>
              <dt className="text-slate-500">Ended</dt>
              <dd>{job.endReason}</dd>
            </>
          )}
        </dl>
        {canAct && LIVE.includes(job.status) && (
          <div className="flex flex-wrap items-end gap-2 border-t border-slate-200 pt-3 dark:border-slate-800">
            <label className="text-sm">
              Reason (needed to reject or abort)
              <input className="input mt-1 block w-80" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
            </label>
            {job.status === 'awaiting_approval' && (
              <>
                <button
                  type="button"
                  className="btn-primary"
                  disabled={own || control.isPending}
                  title={own ? 'You created this job: another person of the plant must approve it' : undefined}
                  onClick={() => act('approve')}
                >
                  Approve
                </button>
                <button type="button" className="btn" disabled={control.isPending || reason.trim().length < 3} onClick={() => act('reject')}>
                  Reject
                </button>
              </>
            )}
            {(job.status === 'queued' || job.status === 'running') && (
              <button type="button" className="btn" disabled={control.isPending} onClick={() => act('pause')}>
                ⏸ Pause
              </button>
            )}
            {job.status === 'paused' && (
              <button type="button" className="btn" disabled={control.isPending} onClick={() => act('resume')}>
                ⏵ Resume
              </button>
            )}
            <button type="button" className="btn" disabled={control.isPending || reason.trim().length < 3} onClick={() => act('abort')}>
              ⊘ Abort
            </button>
          </div>
        )}
        {control.error && <ErrorNotice error={control.error} />}
      </div>

      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 className="text-lg font-semibold">Records</h2>
        <label className="text-sm">
          Outcome{' '}
          <select aria-label="Outcome" className="input" value={itemStatus ?? ''} onChange={(e) => void setItemStatus((e.target.value || null) as ReplayItemStatus | null)}>
            <option value="">All</option>
            {REPLAY_ITEM_STATUSES.map((s) => (
              <option key={s} value={s}>
                {REPLAY_ITEM_STATUS_INFO[s].label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <RowCount first={1} shown={items.length} total={nextCursor ? null : items.length} />
      <DataTable
        label="Replayed records"
        testId="replay-items"
        data={items}
        columns={itemColumns(timeZone)}
        getRowId={(i) => i.id}
        empty={<EmptyState title={itemStatus ? `No ${REPLAY_ITEM_STATUS_INFO[itemStatus].label} records in this job` : 'This job holds no records'}>Pick another outcome above.</EmptyState>}
      />
    </section>
  )
}
