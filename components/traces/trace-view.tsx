'use client'

import { useQuery } from '@tanstack/react-query'
import { useVirtualizer } from '@tanstack/react-virtual'
import Link from 'next/link'
import { useEffect, useMemo, useRef, useState } from 'react'
import { deadLetterHref, exceptionsHref, replayJobHref, tracesHref } from '@/server/domain/links'
import { BUSINESS_KEY_TYPES } from '@/server/domain/trace-search'
import { useTRPC } from '../trpc/client'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { usePlantTimeZone } from '../shell/use-plant-time-zone'
import { formatDuration, formatPlantTime, formatUtc } from '../ui/format'
import { hasModifier, isTyping } from '../ui/keyboard'
import { TxnStateBadge } from '../ui/state-badge'
import { CopyButton, HopPanel } from './hop-panel'
import { isNotableGap, laneIndex, LANES } from './lanes'
import type { TraceData, TraceHop } from './trace-types'

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

/** Only links into our own search are followed back (the `back` parameter is user-controlled). */
function safeBack(back: string | null | undefined): string {
  return back && back.startsWith('/traces') && !back.startsWith('//') ? back : tracesHref()
}

export function TraceView({ correlationId, t, back }: { correlationId: string; t: string | null; back: string | null }) {
  const trpc = useTRPC()
  const trace = useQuery(trpc.traces.get.queryOptions({ correlationId, t }))
  const backHref = safeBack(back)
  const backLink = (
    <Link href={backHref} className="text-sm underline" data-testid="back-to-search">
      ← Back to search
    </Link>
  )
  if (trace.error) {
    const code = (trace.error as { data?: { code?: string } | null }).data?.code
    return (
      <section className="space-y-3">
        {backLink}
        {code === 'FORBIDDEN' ? (
          <EmptyState title="This transaction is not in your plants">
            <span data-testid="not-in-your-plants">{trace.error.message}</span>
          </EmptyState>
        ) : code === 'NOT_FOUND' ? (
          <EmptyState title="Transaction not found">{trace.error.message}</EmptyState>
        ) : (
          <ErrorNotice error={trace.error} />
        )}
      </section>
    )
  }
  if (!trace.data) return <p className="text-sm text-slate-500">Loading transaction {correlationId}…</p>
  return <Trace data={trace.data} backLink={backLink} />
}

function businessKeys(hops: readonly TraceHop[]) {
  const keys: { type: string; value: string }[] = []
  for (const type of BUSINESS_KEY_TYPES) {
    for (const value of new Set(hops.map((h) => h[type]).filter(Boolean))) keys.push({ type, value })
  }
  return keys
}

function Trace({ data, backLink }: { data: TraceData; backLink: React.ReactNode }) {
  const hops = data.hops
  const [selected, setSelected] = useState(0)
  const scrollRef = useRef<HTMLDivElement>(null)
  const start = new Date(hops[0]!.origin_time).getTime()
  const end = Math.max(start + 1, ...hops.map((h) => new Date(h.occurred_at).getTime()))
  const total = end - start
  const keys = useMemo(() => businessKeys(hops), [hops])
  const summary = data.summary
  const timeZone = usePlantTimeZone()(data.plant)
  const local = (iso: string) => formatPlantTime(new Date(iso), timeZone, { seconds: true })
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
  }, [hops.length, selected, virtualizer])

  const deadLetterLink = data.deadLetters.length
    ? { href: deadLetterHref(data.deadLetters[data.deadLetters.length - 1]!.id), label: 'open dead letter' }
    : { href: exceptionsHref({ q: data.correlation_id }), label: 'exceptions' }
  const over = summary ? summary.e2e_latency_ms > summary.sla_ms : false

  return (
    <section aria-labelledby="trace-title" className="space-y-3">
      {backLink}
      <header className="space-y-2 rounded-lg border border-slate-200 p-3 dark:border-slate-800">
        <div className="flex flex-wrap items-center gap-2">
          <h1 id="trace-title" className="break-all font-mono text-lg font-semibold">
            {data.correlation_id}
          </h1>
          <CopyButton text={data.correlation_id} label="Copy correlation id" />
          {summary && <TxnStateBadge state={summary.state} replayed={summary.replayed} />}
        </div>
        <dl className="grid grid-cols-2 gap-x-6 gap-y-1 text-sm md:grid-cols-4">
          <div>
            <dt className="text-slate-500">Plant · flow · line</dt>
            <dd>
              {data.plant} · {data.flow.replace(/_/g, ' ')} · {summary?.line || '—'}
            </dd>
          </div>
          <div>
            <dt className="text-slate-500">Started (source event)</dt>
            <dd>
              <time dateTime={data.origin_time} title={formatUtc(data.origin_time)} data-testid="trace-started">
                {local(data.origin_time)}
              </time>
            </dd>
          </div>
          <div>
            <dt className="text-slate-500">End-to-end latency</dt>
            <dd data-testid="e2e-latency" className={over ? 'font-medium text-red-700 dark:text-red-300' : undefined}>
              {summary ? `${formatDuration(summary.e2e_latency_ms)} of ${formatDuration(summary.sla_ms)} SLA${over ? ' — over' : ''}` : '—'}
              {summary && summary.state !== 'posted' && summary.state !== 'dead_lettered' ? ' (so far)' : ''}
            </dd>
          </div>
          <div>
            <dt className="text-slate-500">Hops · attempts</dt>
            <dd>
              {hops.length}
              {data.truncated ? '+ (first shown)' : ''} · {summary?.attempts || '—'}
            </dd>
          </div>
        </dl>
        {summary?.state === 'stuck' && (
          <p role="alert" className="text-sm text-red-800 dark:text-red-200">
            ⚠ Stuck: no successful posting within the flow SLA of {formatDuration(summary.sla_ms)}, and nothing parked it. Check the last hop below.
          </p>
        )}
        <ul className="flex flex-wrap gap-2 text-xs" aria-label="Business keys">
          {keys.map((k) => (
            <li key={`${k.type}:${k.value}`} className="rounded border border-slate-300 px-1.5 py-0.5 dark:border-slate-700">
              <span className="text-slate-500">{k.type.replace('_', ' ')} </span>
              <Link className="font-mono underline" href={tracesHref({ q: `${k.type}:${k.value}` })}>
                {k.value}
              </Link>
            </li>
          ))}
        </ul>
      </header>

      <div className="grid gap-3 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
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
        {hops[selected] && <HopPanel key={hops[selected]!.event_id} hop={hops[selected]!} correlationId={data.correlation_id} originTime={data.origin_time} timeZone={timeZone} />}
      </div>
    </section>
  )
}
