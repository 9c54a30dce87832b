import { formatCount, formatDuration } from '../ui/format'

export interface JobProgress {
  total: number
  succeeded: number
  failed: number
  skipped: number
  remaining: number
  ratePerSecond: number
  etaSeconds: number | null
}

/** Done / failed / remaining as one bar with the numbers written out (colour is never the only carrier). */
export function ProgressBar({ job, compact = false }: { job: JobProgress; compact?: boolean }) {
  const pct = (n: number) => (job.total ? (n / job.total) * 100 : 0)
  const label = `${formatCount(job.succeeded)} produced, ${formatCount(job.failed)} failed, ${formatCount(job.skipped)} skipped, ${formatCount(job.remaining)} remaining of ${formatCount(job.total)}`
  return (
    <div className={compact ? 'min-w-40' : 'space-y-1'} data-testid="replay-progress">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={job.total}
        aria-valuenow={job.succeeded + job.failed + job.skipped}
        className="flex h-2.5 overflow-hidden rounded bg-slate-200 dark:bg-slate-800"
      >
        <span className="bg-emerald-500" style={{ width: `${pct(job.succeeded)}%` }} />
        <span className="bg-red-500" style={{ width: `${pct(job.failed)}%` }} />
        <span className="bg-slate-400" style={{ width: `${pct(job.skipped)}%` }} />
      </div>
      <p className="text-xs tabular-nums text-slate-600 dark:text-slate-400" data-testid="replay-progress-text">
        <span>{formatCount(job.succeeded)} done</span>
        {job.failed > 0 && <span> · {formatCount(job.failed)} failed</span>}
        {job.skipped > 0 && <span> · {formatCount(job.skipped)} skipped</span>}
        <span> · {formatCount(job.remaining)} remaining</span>
        {!compact && (
          <>
            <span> · {job.ratePerSecond} records/s</span>
            {job.etaSeconds !== null && job.remaining > 0 && <span> · ETA {formatDuration(job.etaSeconds * 1000)}</span>}
          </>
        )}
      </p>
    </div>
  )
}
