import Link from 'next/link'
import { formatDuration, formatUtc } from '../ui/format'
import { LANES, STATUS_STYLE, UNKNOWN_STATUS_STYLE } from './lanes'
import { OtelMark } from './otel-span'
import type { TraceHop } from './trace-types'
import { barExtent, type HopSpan, type TimeWindow } from './waterfall-scale'

export const ROW_HEIGHT = 40
/** The label column's width; the timeline takes the rest (the time axis above uses the same grid). */
export const ROW_GRID = 'grid-cols-[16rem_minmax(0,1fr)]'

export interface HopRowProps {
  index: number
  hop: TraceHop
  span: HopSpan
  lane: number
  view: TimeWindow
  top: number
  selected: boolean
  /** "waited" or "backoff" when the pause before this hop is worth pointing out. */
  pause: string | null
  links: { href: string; label: string }[]
  local: (iso: string) => string
  onSelect: (index: number) => void
}

/**
 * One hop of the waterfall: its lane and event on the left; on the right, to scale, the wait since
 * the previous hop (hatched) and its own work (a bar in its status colour, ending at its time).
 */
export function HopRow({ index, hop, span, lane, view, top, selected, pause, links, local, onSelect }: HopRowProps) {
  const style = STATUS_STYLE[hop.status] ?? UNKNOWN_STATUS_STYLE
  const wait = span.waitFrom !== null ? barExtent(span.waitFrom, span.start, view) : null
  const work = barExtent(span.start, span.end, view)
  const took = span.end - span.start
  return (
    <div
      role="option"
      aria-selected={selected}
      data-testid="hop-row"
      data-event-type={hop.event_type}
      onClick={() => onSelect(index)}
      className={`absolute left-0 grid w-full cursor-pointer ${ROW_GRID} items-center border-b border-slate-100 text-xs dark:border-slate-900 ${selected ? 'bg-sky-50 outline outline-2 -outline-offset-2 outline-sky-500 dark:bg-sky-950' : ''}`}
      style={{ top, height: ROW_HEIGHT }}
    >
      <div className="truncate px-2" title={`${hop.event_type} at ${local(hop.occurred_at)} (${formatUtc(hop.occurred_at)})`}>
        <span className="mr-1 rounded bg-slate-100 px-1 text-[10px] uppercase text-slate-600 dark:bg-slate-800 dark:text-slate-300">{LANES[lane]!.label}</span>
        <span aria-hidden="true">{style.icon} </span>
        {hop.otlp && <OtelMark />}
        {hop.event_type}
        <span className="block text-[10px] text-slate-500">
          +{formatDuration(hop.since_origin_ms)}
          {hop.latency_ms !== null ? ` · took ${formatDuration(hop.latency_ms)}` : ''}
          {hop.otlp ? ` · span ${hop.span_id}` : ''}
          {pause}
          {hop.attempt > 1 ? ` · attempt ${hop.attempt}` : ''}
          {hop.erp_document ? ` · doc ${hop.erp_document}` : ''}
          {links.map((l) => (
            <span key={l.href}>
              {' · '}
              <Link href={l.href} className="underline" onClick={(e) => e.stopPropagation()}>
                {l.label}
              </Link>
            </span>
          ))}
        </span>
      </div>
      <div className="relative h-full" aria-hidden="true">
        {wait && wait.width > 0 && <div className="absolute top-1/2 h-1 -translate-y-1/2 bg-[repeating-linear-gradient(90deg,var(--color-slate-400)_0_3px,transparent_3px_6px)]" style={{ left: `${wait.left}%`, width: `${wait.width}%` }} />}
        {work ? (
          <div className="absolute top-1/2 flex h-3 -translate-y-1/2 items-center" style={{ left: `${work.left}%`, width: `${work.width}%`, minWidth: 3 }}>
            <div className={`h-full w-full rounded-sm ${style.bar}`} title={hop.status} />
            {took > 0 && <span className="ml-1 whitespace-nowrap text-[10px] text-slate-600 dark:text-slate-300">{formatDuration(took)}</span>}
          </div>
        ) : (
          <span className="absolute top-1/2 -translate-y-1/2 text-[10px] text-slate-400" style={span.end < view.from ? { left: 2 } : { right: 2 }}>
            {span.end < view.from ? '◂ earlier' : 'later ▸'}
          </span>
        )}
      </div>
    </div>
  )
}
