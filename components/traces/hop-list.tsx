'use client'

import { useVirtualizer } from '@tanstack/react-virtual'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { deadLetterHref, exceptionsHref, replayJobHref } from '@/server/domain/links'
import { formatDuration } from '../ui/format'
import { hasModifier, isTyping } from '../ui/keyboard'
import { HopRow, ROW_GRID, ROW_HEIGHT } from './hop-row'
import { isNotableGap, laneIndex } from './lanes'
import { TimeAxis, TimeGrid } from './time-axis'
import { TraceOverview } from './trace-overview'
import type { TraceData } from './trace-types'
import { clampWindow, fullWindow, hopSpans, zoom, type TimeWindow } from './waterfall-scale'

/**
 * The hops as a waterfall to scale (occurred_at order, one row each, virtualised for long traces)
 * under an overview with a lane per system. j/k (or the arrow keys) move the selection, which the
 * hop panel beside it shows; + and − zoom around the selected hop, 0 shows the whole transaction.
 */
export function HopList({ data, selected, setSelected, local }: { data: TraceData; selected: number; setSelected: (index: number) => void; local: (iso: string) => string }) {
  const hops = data.hops
  const scrollRef = useRef<HTMLDivElement>(null)
  const spans = useMemo(() => hopSpans(hops), [hops])
  const lanes = useMemo(() => hops.map((h) => laneIndex(h.hop)), [hops])
  const statuses = useMemo(() => hops.map((h) => h.status), [hops])
  const full = useMemo(() => fullWindow(spans), [spans])
  const [view, setView] = useState<TimeWindow>(full)
  // The scroll container belongs to this component; TanStack Virtual is not memoisable by the compiler.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({ count: hops.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 })

  /** Select a hop and bring it into view: scrolled to, and the timeline panned to it when it is outside. */
  const select = useCallback(
    (index: number) => {
      setSelected(index)
      const s = spans[index]!
      setView((w) => (s.end < w.from || s.start > w.to ? clampWindow({ from: s.end - (w.to - w.from) / 2, to: s.end + (w.to - w.from) / 2 }, full) : w))
    },
    [setSelected, spans, full],
  )

  // The selected hop stays in sight, also when it changes from outside (the trace opens on a failing
  // hop far down the list; the header's "show the hop").
  const opened = useRef(false)
  useEffect(() => {
    virtualizer.scrollToIndex(selected, { align: opened.current ? 'auto' : 'center' })
    opened.current = true
  }, [selected, virtualizer])

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (hasModifier(event) || isTyping(event.target)) return
      const at = spans[selected]?.end
      if (event.key === 'j' || event.key === 'ArrowDown') select(Math.min(hops.length - 1, selected + 1))
      else if (event.key === 'k' || event.key === 'ArrowUp') select(Math.max(0, selected - 1))
      else if (event.key === '+' || event.key === '=') setView((w) => zoom(w, 0.5, full, at))
      else if (event.key === '-') setView((w) => zoom(w, 2, full, at))
      else if (event.key === '0') setView(full)
      else return
      event.preventDefault()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [hops.length, selected, select, spans, full])

  const deadLetterLink = data.deadLetters.length
    ? { href: deadLetterHref(data.deadLetters[data.deadLetters.length - 1]!.id), label: 'open dead letter' }
    : { href: exceptionsHref({ q: data.correlation_id }), label: 'exceptions' }

  return (
    <div className="rounded-lg border border-slate-200 dark:border-slate-800">
      <TraceOverview spans={spans} lanes={lanes} statuses={statuses} full={full} view={view} onView={setView} />
      <div className={`grid ${ROW_GRID} border-b border-slate-200 bg-slate-50 text-xs font-medium dark:border-slate-800 dark:bg-slate-900`}>
        <div className="px-2 py-1">Hop · j/k to move</div>
        <TimeAxis view={view} />
      </div>
      <div ref={scrollRef} className="max-h-[65vh] overflow-auto" role="listbox" aria-label="Hops in occurred_at order" data-testid="hop-list">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          <div className={`pointer-events-none absolute inset-0 grid ${ROW_GRID}`}>
            <span />
            <div className="relative">
              <TimeGrid view={view} />
            </div>
          </div>
          {virtualizer.getVirtualItems().map((v) => {
            const hop = hops[v.index]!
            const prev = hops[v.index - 1]
            const gap = prev ? spans[v.index]!.end - spans[v.index - 1]!.end : 0
            const backoff = hop.event_type === 'erp.retry_scheduled' || prev?.event_type === 'erp.retry_scheduled'
            const replayJob = hop.replay_id ? data.replayJobs[hop.replay_id] : undefined
            const links = [...(hop.status === 'dead_lettered' ? [deadLetterLink] : []), ...(replayJob ? [{ href: replayJobHref(replayJob), label: 'replay' }] : [])]
            return (
              <HopRow
                key={hop.event_id}
                index={v.index}
                hop={hop}
                span={spans[v.index]!}
                lane={lanes[v.index]!}
                view={view}
                top={v.start}
                selected={v.index === selected}
                pause={isNotableGap(gap, full.to - full.from) ? ` · ${backoff ? 'backoff' : 'waited'} ${formatDuration(gap)}` : null}
                links={links}
                local={local}
                onSelect={select}
              />
            )
          })}
        </div>
      </div>
    </div>
  )
}
