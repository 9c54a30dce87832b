'use client'

import { keepPreviousData, useQuery } from '@tanstack/react-query'
import Link from 'next/link'
import type { KpiId, KpiValue } from '@/server/domain/kpis'
import { plantHref } from '@/server/domain/links'
import { useHeaderState } from '../shell/url-state'
import { useTRPC } from '../trpc/client'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { formatKpi, formatTarget, HealthBadge, kpiHref } from './kpi-format'
import { Sparkline } from './sparkline'

/** How often the overview refreshes; previous data stays on screen meanwhile (no flicker). */
const REFRESH_MS = 30_000

function Figure({ k, href, testId }: { k: KpiValue | undefined; href: string | null; testId: string }) {
  if (!k) return null
  const miss = k.status === 'miss'
  const value = (
    <span className={`text-lg font-semibold tabular-nums ${miss ? 'text-red-700 dark:text-red-300' : ''}`} data-testid={testId}>
      {formatKpi(k.value, k.unit)}
    </span>
  )
  return (
    <div className="min-w-0">
      <dt className="truncate text-xs text-slate-500 dark:text-slate-400" title={`${k.label} (${formatTarget(k)})`}>
        {k.label}
      </dt>
      <dd>
        {href ? (
          <Link href={href} className="hover:underline" title={`${k.label}: open the matching records`}>
            {value}
          </Link>
        ) : (
          value
        )}
        {k.target && <span className="ml-1 text-xs text-slate-500">{formatTarget(k)}</span>}
        {k.status === 'few' && k.reason && (
          <span className="block text-xs text-slate-500" data-testid={`${testId}-reason`}>
            {k.reason}
          </span>
        )}
      </dd>
    </div>
  )
}

export function PlantTiles() {
  const trpc = useTRPC()
  const [state] = useHeaderState()
  const plants = useQuery(trpc.plants.list.queryOptions())
  const overview = useQuery({
    ...trpc.kpis.overview.queryOptions({ range: state.range, from: state.from, to: state.to, plants: state.plant ? [state.plant] : undefined }),
    refetchInterval: REFRESH_MS,
    placeholderData: keepPreviousData,
  })

  if (plants.error) return <ErrorNotice error={plants.error} />
  if (overview.error && !overview.data) return <ErrorNotice error={overview.error} />
  if (!plants.data || !overview.data) return <p className="text-sm text-slate-500">Loading plants…</p>
  if (plants.data.length === 0)
    return (
      <EmptyState title="You have no plants yet">
        An admin assigns plants to your account under Admin → Users. Plants also appear here when telemetry from a new plant arrives.
      </EmptyState>
    )

  const byCode = new Map(plants.data.map((p) => [p.code, p]))
  const { tiles } = overview.data
  const header = { range: state.range, from: state.from, to: state.to }
  const noData = tiles.every((t) => t.health.health === 'unknown')

  return (
    <section aria-labelledby="overview-title" className="space-y-4">
      <div className="flex items-baseline justify-between gap-2">
        <h1 id="overview-title" className="text-xl font-semibold">
          Plant sync health
        </h1>
        <p className="text-sm text-slate-500 dark:text-slate-400" aria-live="polite">
          {overview.isFetching ? 'Refreshing…' : `Worst first · refreshes every ${REFRESH_MS / 1000} s`}
          {overview.error ? ` · last refresh failed: ${overview.error.message}` : ''}
        </p>
      </div>
      {noData && (
        <EmptyState title="No transactions in this range yet">
          Tiles fill in once the ingest worker writes hop events from the telemetry topic (<code>lt.telemetry</code>). Widen the time range, or
          check the ingest indicator in the header: it says when the newest event arrived and how far the worker is behind.
        </EmptyState>
      )}
      <ul className="grid gap-3 md:grid-cols-2 xl:grid-cols-3" data-testid="plant-tiles">
        {tiles.map((tile) => {
          const info = byCode.get(tile.plant)
          const h = { ...header, plant: tile.plant }
          const kpi = (id: KpiId) => tile.kpis.find((k) => k.id === id)
          const e2e = kpi('e2e_latency_p95')
          return (
            <li key={tile.plant} className="card space-y-3" data-testid={`plant-tile-${tile.plant}`} data-health={tile.health.health}>
              <div className="flex items-start justify-between gap-2">
                <Link href={plantHref(tile.plant, header)} className="font-semibold hover:underline" data-testid="plant-link">
                  {tile.plant} · {info?.name ?? 'Unnamed plant'}
                </Link>
                <HealthBadge health={tile.health.health} />
              </div>
              {tile.health.reasons.length > 0 ? (
                <div className="space-y-0.5 text-sm" data-testid="health-reasons">
                  {tile.health.reasons.slice(0, 3).map((r) => (
                    <p key={r.kpi} className={r.severity === 'red' ? 'text-red-800 dark:text-red-300' : 'text-amber-900 dark:text-amber-200'}>
                      {r.text}
                    </p>
                  ))}
                  {tile.health.reasons.length > 3 && <p className="text-xs text-slate-500">and {tile.health.reasons.length - 3} more on the plant page</p>}
                </div>
              ) : (
                <p className="text-sm text-slate-500">{tile.health.health === 'green' ? 'Every sync KPI meets its target.' : 'Nothing measured in this range.'}</p>
              )}
              <dl className="grid grid-cols-2 gap-x-3 gap-y-2">
                <Figure k={kpi('first_pass_success')} href={kpiHref('first_pass_success', h)} testId="fps" />
                <Figure k={e2e && { ...e2e, label: `E2E p95${e2e.flow ? ` · ${e2e.flow}` : ''}` }} href={kpiHref('e2e_latency_p95', h, e2e?.flow)} testId="e2e-p95" />
                <Figure k={kpi('open_backlog')} href={kpiHref('open_backlog', h)} testId="backlog" />
                <Figure k={kpi('backlog_age_max')} href={kpiHref('backlog_age_max', h)} testId="backlog-age" />
                <Figure k={kpi('dead_lettered_backlog')} href={kpiHref('dead_lettered_backlog', h)} testId="dead-lettered" />
                <Figure k={kpi('stuck_transactions')} href={kpiHref('stuck_transactions', h)} testId="stuck" />
                <Figure k={kpi('ingest_freshness')} href={null} testId="freshness" />
              </dl>
              <div className="grid grid-cols-2 gap-2 text-xs text-slate-500">
                <div>
                  Started per {overview.data.grain === '1m' ? 'minute' : 'hour'}
                  <Sparkline data={tile.spark} dataKey="started" label="transactions started" timeZone={info?.timeZone} />
                </div>
                <div>
                  E2E p95 (s)
                  <Sparkline data={tile.spark} dataKey="e2eP95" label="E2E p95 (s)" color="#b45309" timeZone={info?.timeZone} />
                </div>
              </div>
            </li>
          )
        })}
      </ul>
    </section>
  )
}
