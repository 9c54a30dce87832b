'use client'

import { useQuery } from '@tanstack/react-query'
import Link from 'next/link'
import { useState, type ReactNode } from 'react'
import { tracesHref } from '@/server/domain/links'
import { focusHopIndex } from '@/server/domain/trace-focus'
import { useTRPC } from '../trpc/client'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { usePlantTimeZone } from '../shell/use-plant-time-zone'
import { formatPlantTime } from '../ui/format'
import { HopList } from './hop-list'
import { HopPanel } from './hop-panel'
import { TraceFailure } from './trace-failure'
import { TraceHeader } from './trace-header'
import type { TraceData } from './trace-types'

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

function Trace({ data, backLink }: { data: TraceData; backLink: ReactNode }) {
  const hops = data.hops
  // A failed trace opens on the hop that failed, with its error and what to do beside it.
  const [focus] = useState(() => focusHopIndex(hops, data.summary?.state))
  const [selected, setSelected] = useState(focus)
  const timeZone = usePlantTimeZone()(data.plant)
  const local = (iso: string) => formatPlantTime(new Date(iso), timeZone, { seconds: true })

  return (
    <section aria-labelledby="trace-title" className="space-y-3">
      {backLink}
      <TraceHeader data={data} local={local} failure={<TraceFailure data={data} focus={hops[focus]} onShowHop={() => setSelected(focus)} />} />
      <div className="grid gap-3 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <HopList data={data} selected={selected} setSelected={setSelected} local={local} />
        {hops[selected] && <HopPanel key={hops[selected]!.event_id} hop={hops[selected]!} resources={data.resources} correlationId={data.correlation_id} originTime={data.origin_time} timeZone={timeZone} />}
      </div>
    </section>
  )
}
