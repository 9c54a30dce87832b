import { formatDuration } from '../ui/format'
import { percentOf, ticks, type TimeWindow } from './waterfall-scale'

/** Time since the source event across the waterfall's window, on round values, with grid lines for the rows. */
export function TimeAxis({ view }: { view: TimeWindow }) {
  return (
    <div className="relative h-5" data-testid="time-axis">
      {ticks(view).map((t) => (
        <span key={t} className="absolute top-0 h-full border-l border-slate-300 pl-0.5 text-[10px] text-slate-500 dark:border-slate-700" style={{ left: `${percentOf(t, view)}%` }}>
          {t === 0 ? '0' : `+${formatDuration(t)}`}
        </span>
      ))}
    </div>
  )
}

/** The axis's grid lines behind the rows, one absolutely placed layer for all of them. */
export function TimeGrid({ view }: { view: TimeWindow }) {
  return (
    <div className="pointer-events-none absolute inset-0" aria-hidden="true">
      {ticks(view).map((t) => (
        <span key={t} className="absolute inset-y-0 border-l border-dashed border-slate-200 dark:border-slate-800" style={{ left: `${percentOf(t, view)}%` }} />
      ))}
    </div>
  )
}
