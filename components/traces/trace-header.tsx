'use client'

import Link from 'next/link'
import type { ReactNode } from 'react'
import { tracesHref } from '@/server/domain/links'
import { BUSINESS_KEY_TYPES } from '@/server/domain/trace-search'
import { CopyButton } from '../ui/copy-button'
import { formatDuration, formatUtc } from '../ui/format'
import { flowLabel } from '../ui/pickers'
import { TxnStateBadge } from '../ui/state-badge'
import type { TraceData, TraceHop } from './trace-types'
import { txnTiming } from './txn-timing'

/** Every business key the hops carry, each once, in the order of BUSINESS_KEY_TYPES. */
function businessKeys(hops: readonly TraceHop[]) {
  const keys: { type: string; value: string }[] = []
  for (const type of BUSINESS_KEY_TYPES) {
    for (const value of new Set(hops.map((h) => h[type]).filter(Boolean))) keys.push({ type, value })
  }
  return keys
}

/**
 * The transaction at a glance: id, state, where and when it started, its latency against the SLA, its
 * business keys, and for a failed one (`failure`) why it failed with what to do next.
 */
export function TraceHeader({ data, local, failure }: { data: TraceData; local: (iso: string) => string; failure?: ReactNode }) {
  const hops = data.hops
  const summary = data.summary
  const keys = businessKeys(hops)
  // Open: its age since the source event (what "stuck" is judged by); posted: its latency.
  const timing = summary ? txnTiming(summary) : null
  return (
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
            {data.plant} · {flowLabel(data.flow)} · {summary?.line || '—'}
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
          <dt className="text-slate-500">{timing?.kind === 'age' ? 'Age (since source event)' : 'End-to-end latency'}</dt>
          <dd data-testid="e2e-latency" className={timing?.over ? 'font-medium text-red-700 dark:text-red-300' : undefined}>
            {timing ? timing.text : '—'}
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
      {failure}
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
  )
}
