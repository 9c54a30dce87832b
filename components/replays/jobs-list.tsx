'use client'

import { useQuery } from '@tanstack/react-query'
import type { ColumnDef } from '@tanstack/react-table'
import Link from 'next/link'
import { useRouter } from 'next/navigation'
import { parseAsArrayOf, parseAsStringLiteral, useQueryState } from 'nuqs'
import { REPLAY_JOB_STATUS_INFO, REPLAY_JOB_STATUSES, type ReplayJobStatus } from '@/server/domain/replays'
import { exceptionsHref, replayJobHref } from '@/server/domain/links'
import { useHeaderState } from '../shell/url-state'
import { useTRPC, type RouterOutputs } from '../trpc/client'
import { DataTable } from '../ui/data-table'
import { RowCount } from '../ui/row-count'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { formatDuration } from '../ui/format'
import { RelativeTime } from '../ui/relative-time'
import { ReplayJobStatusBadge } from '../ui/state-badge'
import { ProgressBar } from './progress'

type Job = RouterOutputs['replays']['list']['jobs'][number]

const ACTIVE: ReplayJobStatus[] = ['awaiting_approval', 'queued', 'running', 'paused']

const columns: ColumnDef<Job>[] = [
  { id: 'status', header: 'Status', accessorKey: 'status', cell: ({ row }) => <ReplayJobStatusBadge status={row.original.status} /> },
  {
    id: 'job',
    header: 'Job',
    enableSorting: false,
    cell: ({ row }) => (
      <Link href={replayJobHref(row.original.id)} className="font-mono text-xs underline">
        {row.original.id.slice(0, 8)}
      </Link>
    ),
  },
  { id: 'plants', header: 'Plant(s)', meta: { priority: 2 }, accessorFn: (j) => j.plants.join(', ') || 'unknown' },
  { id: 'who', header: 'Who', meta: { priority: 3 }, accessorKey: 'createdBy' },
  {
    id: 'reason',
    header: 'Reason',
    meta: { priority: 2 },
    accessorKey: 'reason',
    cell: ({ row }) => (
      <span className="inline-block max-w-56 truncate align-bottom" title={row.original.reason}>
        {row.original.forced && <span title="Forced past the idempotency guard by an admin">⚠ forced · </span>}
        {row.original.edited && <span title="Carries payload edits">✎ edited · </span>}
        {row.original.reason}
      </span>
    ),
  },
  { id: 'progress', header: 'Progress', enableSorting: false, cell: ({ row }) => <ProgressBar job={row.original} compact /> },
  { id: 'rate', header: 'Rate', meta: { priority: 3 }, accessorKey: 'ratePerSecond', cell: ({ row }) => `${row.original.ratePerSecond}/s` },
  {
    id: 'eta',
    header: 'ETA',
    meta: { priority: 3 },
    accessorKey: 'etaSeconds',
    cell: ({ row }) => (row.original.etaSeconds !== null && row.original.remaining > 0 ? formatDuration(row.original.etaSeconds * 1000) : '—'),
  },
  {
    id: 'approval',
    header: 'Approval',
    meta: { priority: 2 },
    enableSorting: false,
    cell: ({ row }) =>
      !row.original.approvalRequired ? (
        <span className="text-slate-500">not needed</span>
      ) : row.original.approvedBy ? (
        <span title={`Approved by ${row.original.approvedBy}`}>✓ {row.original.approvedBy}</span>
      ) : row.original.status === 'awaiting_approval' ? (
        <span>⚖ waiting</span>
      ) : (
        <span>rejected</span>
      ),
  },
  {
    id: 'created',
    header: 'Created',
    meta: { priority: 2 },
    accessorKey: 'createdAt',
    cell: ({ row }) => <RelativeTime at={row.original.createdAt} user />,
  },
]

export function ReplayJobsList() {
  const trpc = useTRPC()
  const router = useRouter()
  const [header] = useHeaderState()
  const [status, setStatus] = useQueryState('status', parseAsArrayOf(parseAsStringLiteral(REPLAY_JOB_STATUSES)).withOptions({ history: 'push' }))
  const jobs = useQuery({
    ...trpc.replays.list.queryOptions({ plant: header.plant ?? undefined, status: status ?? undefined, limit: 200 }),
    // Live while something runs; a quiet list is refreshed now and then.
    refetchInterval: (q) => (q.state.data?.jobs.some((j) => ACTIVE.includes(j.status)) ? 2_000 : 15_000),
  })

  return (
    <section aria-labelledby="replays-title" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h1 id="replays-title" className="text-xl font-semibold">
          Replay jobs
        </h1>
        <label className="text-sm">
          Status{' '}
          <select
            aria-label="Status"
            className="input"
            value={status?.[0] ?? ''}
            onChange={(e) => void setStatus(e.target.value ? [e.target.value as ReplayJobStatus] : null)}
          >
            <option value="">All</option>
            {REPLAY_JOB_STATUSES.filter((s) => s !== 'draft').map((s) => (
              <option key={s} value={s}>
                {REPLAY_JOB_STATUS_INFO[s].label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {jobs.error && <ErrorNotice error={jobs.error} />}
      {jobs.data && <RowCount first={1} shown={jobs.data.jobs.length} total={jobs.data.nextCursor ? null : jobs.data.jobs.length} />}
      <DataTable
        label="Replay jobs"
        testId="replay-jobs"
        data={jobs.data?.jobs ?? []}
        columns={columns}
        getRowId={(j) => j.id}
        onOpen={(j) => router.push(replayJobHref(j.id))}
        empty={
          jobs.isLoading ? (
            <p className="p-4 text-sm text-slate-500">Loading replay jobs…</p>
          ) : (
            <EmptyState title={status?.length ? `No ${status.map((s) => REPLAY_JOB_STATUS_INFO[s].label).join(', ')} replay jobs` : 'No replay jobs yet'}>
              Replay jobs are created from the <Link className="underline" href={exceptionsHref({}, header)}>Exceptions</Link> page: select dead letters (or a
              whole group), review the dry run, then execute. Their progress and per-record outcomes are listed here.
            </EmptyState>
          )
        }
      />
    </section>
  )
}
