import type { RouterOutputs } from '../trpc/client'
import { formatRelative, formatUserTime, formatUtc } from '../ui/format'

type Job = RouterOutputs['replays']['get']['job']

/** Who asked for the job and why, its approval, and how many of its records telemetry shows resolved. */
export function JobDetails({ job, resolved, shown }: { job: Job; resolved: number; shown: number }) {
  return (
    <dl className="grid grid-cols-[10rem_1fr] gap-y-1 text-sm">
      <dt className="text-slate-500">Reason</dt>
      <dd data-testid="job-reason">{job.reason}</dd>
      <dt className="text-slate-500">Plant(s)</dt>
      <dd>{job.plants.join(', ') || 'unknown'}</dd>
      <dt className="text-slate-500">Created</dt>
      <dd title={formatUtc(job.createdAt)}>
        {formatUserTime(job.createdAt)} ({formatRelative(job.createdAt)}) by {job.createdBy}
      </dd>
      <dt className="text-slate-500">Approval</dt>
      <dd>{!job.approvalRequired ? 'not needed' : job.approvedBy ? `approved by ${job.approvedBy}${job.approvedAt ? ` at ${formatUserTime(job.approvedAt)}` : ''}` : job.status === 'awaiting_approval' ? 'waiting for a second person of the plant' : '—'}</dd>
      {job.forced && (
        <>
          <dt className="text-slate-500">Forced</dt>
          <dd>⚠ past the idempotency guard: {job.forceReason}</dd>
        </>
      )}
      <dt className="text-slate-500">Closed loop</dt>
      <dd data-testid="resolved-count">
        {resolved} of {shown} shown resolved by telemetry (posted after the replay)
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
  )
}
