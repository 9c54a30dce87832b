'use client'

import { useQuery } from '@tanstack/react-query'
import Link from 'next/link'
import { parseAsStringLiteral, useQueryState } from 'nuqs'
import { REPLAY_ITEM_STATUS_INFO, REPLAY_ITEM_STATUSES, type ReplayItemStatus, type ReplayJobStatus } from '@/server/domain/replays'
import { replaysHref } from '@/server/domain/links'
import { useTRPC } from '../trpc/client'
import { DataTable } from '../ui/data-table'
import { RowCount } from '../ui/row-count'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { ReplayJobStatusBadge } from '../ui/state-badge'
import { usePlantTimeZone } from '../shell/use-plant-time-zone'
import { JobControls } from './job-controls'
import { JobDetails } from './job-details'
import { itemColumns } from './job-item-columns'
import { ProgressBar } from './progress'

const LIVE: ReplayJobStatus[] = ['awaiting_approval', 'queued', 'running', 'paused']

export function ReplayJobPage({ id }: { id: string }) {
  const trpc = useTRPC()
  const [itemStatus, setItemStatus] = useQueryState('outcome', parseAsStringLiteral(REPLAY_ITEM_STATUSES).withOptions({ history: 'push' }))
  const me = useQuery(trpc.me.get.queryOptions())
  const timeZone = usePlantTimeZone()
  const data = useQuery({
    ...trpc.replays.get.queryOptions({ id, itemStatus: itemStatus ? [itemStatus] : undefined, limit: 500 }),
    // Live progress while the job can still change (and a little after, for the closed loop).
    refetchInterval: (q) => (q.state.data && LIVE.includes(q.state.data.job.status) ? 1_500 : 5_000),
  })

  if (data.error) return <ErrorNotice error={data.error} />
  if (!data.data) return <p className="text-sm text-slate-500">Loading the replay job…</p>
  const { job, items, nextCursor } = data.data
  const canAct = me.data?.permissions.replay ?? false
  // The server compares user ids too (maker/checker); a label may be a token's name.
  const own = !!me.data?.userId && me.data.userId === job.createdById
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
        <JobDetails job={job} resolved={resolved} shown={items.length} />
        <JobControls job={job} own={own} canAct={canAct && LIVE.includes(job.status)} />
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
