'use client'

import { useVirtualizer } from '@tanstack/react-virtual'
import Link from 'next/link'
import { useEffect, useRef } from 'react'
import { deadLetterHref, exceptionsHref, replayJobHref } from '@/server/domain/links'
import { formatDuration, formatUtc } from '../ui/format'
import { hasModifier, isTyping } from '../ui/keyboard'
import { isNotableGap, laneIndex, LANES } from './lanes'
import type { TraceData } from './trace-types'

const ROW_HEIGHT = 40
const STATUS_CLASSES: Record<string, string> = {
  ok: 'bg-emerald-500',
  error: 'bg-red-500',
  retrying: 'bg-amber-500',
  dead_lettered: 'bg-red-700',
  partial: 'bg-violet-500',
  skipped: 'bg-slate-400',
}
const STATUS_ICON: Record<string, string> = { ok: '✓', error: '✕', retrying: '↻', dead_lettered: '✕', partial: '◐', skipped: '–' }

/**
 * The hops in occurred_at order, one lane per system, virtualised for long traces; j/k (or the
 * arrow keys) move the selection, which the hop panel beside it shows.
 */
export function HopList({ data, selected, setSelected, local }: { data: TraceData; selected: number; setSelected: (index: number) => void; local: (iso: string) => string }) {
  const hops = data.hops
  const scrollRef = useRef<HTMLDivElement>(null)
  const start = new Date(hops[0]!.origin_time).getTime()
  const end = Math.max(start + 1, ...hops.map((h) => new Date(h.occurred_at).getTime()))
  const total = end - start
  // The scroll container belongs to this component; TanStack Virtual is not memoisable by the compiler.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({ count: hops.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 })

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (hasModifier(event) || isTyping(event.target)) return
      let next: number | null = null
      if (event.key === 'j' || event.key === 'ArrowDown') next = Math.min(hops.length - 1, selected + 1)
      else if (event.key === 'k' || event.key === 'ArrowUp') next = Math.max(0, selected - 1)
      if (next === null) return
      event.preventDefault()
      setSelected(next)
      virtualizer.scrollToIndex(next, { align: 'auto' })
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [hops.length, selected, setSelected, virtualizer])

  const deadLetterLink = data.deadLetters.length
    ? { href: deadLetterHref(data.deadLetters[data.deadLetters.length - 1]!.id), label: 'open dead letter' }
    : { href: exceptionsHref({ q: data.correlation_id }), label: 'exceptions' }

  return (
    <div className="rounded-lg border border-slate-200 dark:border-slate-800">
      <div className="grid grid-cols-[14rem_repeat(7,minmax(0,1fr))] border-b border-slate-200 bg-slate-50 text-xs font-medium dark:border-slate-800 dark:bg-slate-900" aria-hidden="true">
        <div className="px-2 py-1">Hop · j/k to move</div>
        {LANES.map((l) => (
          <div key={l.id} className="px-1 py-1 text-center">
            {l.label}
          </div>
        ))}
      </div>
      <div ref={scrollRef} className="max-h-[65vh] overflow-auto" role="listbox" aria-label="Hops in occurred_at order" data-testid="hop-list">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((v) => {
            const hop = hops[v.index]!
            const prev = hops[v.index - 1]
            const at = new Date(hop.occurred_at).getTime()
            const gap = prev ? at - new Date(prev.occurred_at).getTime() : 0
            const lane = laneIndex(hop.hop)
            const left = ((at - start) / total) * 100
            const isSel = v.index === selected
            const replayJob = hop.replay_id ? data.replayJobs[hop.replay_id] : undefined
            return (
              <div
                key={hop.event_id}
                role="option"
                aria-selected={isSel}
                data-testid="hop-row"
                data-event-type={hop.event_type}
                onClick={() => setSelected(v.index)}
                className={`absolute left-0 grid w-full cursor-pointer grid-cols-[14rem_repeat(7,minmax(0,1fr))] items-center border-b border-slate-100 text-xs dark:border-slate-900 ${isSel ? 'bg-sky-50 outline outline-2 -outline-offset-2 outline-sky-500 dark:bg-sky-950' : ''}`}
                style={{ top: v.start, height: ROW_HEIGHT }}
              >
                <div className="truncate px-2" title={`${hop.event_type} at ${local(hop.occurred_at)} (${formatUtc(hop.occurred_at)})`}>
                  <span aria-hidden="true">{STATUS_ICON[hop.status] ?? '•'} </span>
                  {hop.event_type}
                  <span className="block text-[10px] text-slate-500">
                    +{formatDuration(hop.since_origin_ms)}
                    {hop.latency_ms !== null ? ` · took ${formatDuration(hop.latency_ms)}` : ''}
                    {isNotableGap(gap, total) ? ` · ${hop.event_type === 'erp.retry_scheduled' || prev?.event_type === 'erp.retry_scheduled' ? 'backoff' : 'waited'} ${formatDuration(gap)}` : ''}
                    {hop.attempt > 1 ? ` · attempt ${hop.attempt}` : ''}
                    {hop.erp_document ? ` · doc ${hop.erp_document}` : ''}
                  </span>
                </div>
                <div className="relative col-span-7 h-full">
                  <div className="absolute inset-y-0" style={{ left: `${(lane / LANES.length) * 100}%`, width: `${100 / LANES.length}%` }}>
                    <div className="flex h-full items-center justify-center gap-1">
                      <span className={`inline-block h-3 w-3 rounded-full ${STATUS_CLASSES[hop.status] ?? 'bg-slate-400'}`} title={hop.status} />
                      {hop.status === 'dead_lettered' && (
                        <Link href={deadLetterLink.href} className="underline" onClick={(e) => e.stopPropagation()}>
                          {deadLetterLink.label}
                        </Link>
                      )}
                      {replayJob && (
                        <Link href={replayJobHref(replayJob)} className="underline" onClick={(e) => e.stopPropagation()}>
                          replay
                        </Link>
                      )}
                    </div>
                  </div>
                  {/* position in the whole trace */}
                  <div className="absolute bottom-0.5 h-0.5 bg-sky-400" style={{ left: 0, width: `${Math.max(0.5, left)}%` }} aria-hidden="true" />
                </div>
              </div>
            )
          })}
        </div>
      </div>
    </div>
  )
}
