'use client'

import { useQuery } from '@tanstack/react-query'
import { fromChDateTime } from '@/server/domain/ch-time'
import { formatCount } from '../ui/format'
import { useTRPC } from '../trpc/client'

const STYLE = {
  ok: 'border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200',
  amber: 'border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200',
  red: 'border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200',
  idle: 'border-slate-300 bg-slate-50 text-slate-700 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-300',
} as const
const ICON = { ok: '●', amber: '▲', red: '■', idle: '○' } as const

function age(seconds: number): string {
  if (seconds < 90) return `${seconds} s`
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`
  return `${Math.round(seconds / 3600)} h`
}

/** Freshness of the newest ingested event and the consumer lag; colour plus a word and an icon. */
export function IngestIndicator() {
  const trpc = useTRPC()
  const { data } = useQuery({ ...trpc.system.ingest.queryOptions(), refetchInterval: 10_000 })
  if (!data) return null
  const text =
    data.level === 'idle'
      ? 'Ingest: no events yet'
      : `Ingest: ${data.freshnessS === null ? '—' : `${age(data.freshnessS)} behind`}${data.lag === null ? '' : ` · lag ${formatCount(data.lag)}`}`
  const title = [
    data.newestEventTime ? `Newest event ${fromChDateTime(data.newestEventTime).toISOString()}` : 'No hop events ingested yet',
    `Worker: ${data.status}`,
    data.lastError ? `Last error: ${data.lastError}` : '',
  ]
    .filter(Boolean)
    .join('\n')
  return (
    <span role="status" data-testid="ingest-indicator" data-level={data.level} title={title} className={`rounded border px-2 py-1 text-xs ${STYLE[data.level]}`}>
      <span aria-hidden>{ICON[data.level]} </span>
      {text}
    </span>
  )
}
