'use client'

import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { KPI_INFO } from '@/server/domain/kpis'
import { useHeaderState } from '../shell/url-state'
import { useTRPC } from '../trpc/client'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { DashboardCharts } from './charts'
import { FlowTable, HopTable, LineTable, OeeTable } from './dashboard-tables'
import { KpiCard } from './kpi-card'
import { HealthBadge, kpiHref } from './kpi-format'
import { QualityHold } from './quality-hold'

const REFRESH_MS = 60_000

export function PlantDashboard({ plant, timeZone }: { plant: string; timeZone: string }) {
  const trpc = useTRPC()
  const [state] = useHeaderState()
  const q = useQuery({
    ...trpc.kpis.plant.queryOptions({ plant, range: state.range, from: state.from, to: state.to }),
    refetchInterval: REFRESH_MS,
    placeholderData: keepPreviousData,
  })
  if (q.error && !q.data) return <ErrorNotice error={q.error} />
  if (!q.data) return <p className="text-sm text-slate-500">Loading the dashboard…</p>
  const d = q.data
  const h = { plant, range: state.range, from: state.from, to: state.to }
  const sync = d.report.kpis.filter((k) => KPI_INFO[k.id].sync)
  const other = d.report.kpis.filter((k) => !KPI_INFO[k.id].sync)
  const started = d.series.reduce((n, p) => n + p.started, 0)
  return (
    <div className="space-y-4" data-testid="plant-dashboard">
      <div className="flex flex-wrap items-center gap-2" aria-live="polite">
        <HealthBadge health={d.report.health.health} />
        <span className="text-sm text-slate-600 dark:text-slate-300" data-testid="health-reasons">
          {d.report.health.reasons.length ? d.report.health.reasons.map((r) => r.text).join(' · ') : d.report.health.health === 'green' ? 'Every sync KPI meets its target.' : 'Nothing measured in this range.'}
        </span>
        <span className="ml-auto text-xs text-slate-500">
          {d.grain === '1m' ? 'minute' : 'hourly'} rollup · {q.isFetching ? 'refreshing…' : `refreshes every ${REFRESH_MS / 1000} s`}
        </span>
      </div>
      {started === 0 && (
        <EmptyState title={`No transactions of plant ${plant} in this range`}>
          Widen the time range, or check the ingest indicator in the header: it says when the newest hop event arrived.
        </EmptyState>
      )}
      <section aria-label="Sync health KPIs" className="grid gap-2 sm:grid-cols-2 lg:grid-cols-4 xl:grid-cols-5">
        {sync.map((k) => (
          <KpiCard key={k.id} k={k} href={kpiHref(k.id, h, k.flow)} />
        ))}
      </section>
      <DashboardCharts plant={plant} series={d.series} stepSec={d.stepSec} timeZone={timeZone} e2eTargetS={d.e2eTargetS} />
      <FlowTable flows={d.report.flows} h={h} />
      <div className="grid gap-3 lg:grid-cols-2">
        <LineTable lines={d.lines} h={h} />
        <HopTable hops={d.hops} />
      </div>
      <div className="grid gap-3 lg:grid-cols-2">
        <QualityHold hold={d.report.holds} h={h} />
        <section className="space-y-2" data-testid="production">
          <div className="grid gap-2 sm:grid-cols-3">
            {other
              .filter((k) => !['hold_propagation_p95', 'hold_leakage'].includes(k.id))
              .map((k) => (
                <KpiCard key={k.id} k={k} href={kpiHref(k.id, h)} />
              ))}
          </div>
          <OeeTable production={d.report.production} />
        </section>
      </div>
    </div>
  )
}
