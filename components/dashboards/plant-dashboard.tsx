'use client'

import { keepPreviousData, useQuery } from '@tanstack/react-query'
import Link from 'next/link'
import { KPI_INFO, type KpiValue } from '@/server/domain/kpis'
import { exceptionsHref, tracesHref } from '@/server/domain/links'
import { useHeaderState } from '../shell/url-state'
import { useTRPC } from '../trpc/client'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { formatCount, formatDuration, formatPercent } from '../ui/format'
import { DashboardCharts } from './charts'
import { changeOf, formatKpi, formatTarget, HealthBadge, kpiHref } from './kpi-format'

const REFRESH_MS = 60_000

function KpiCard({ k, href }: { k: KpiValue; href: string | null }) {
  const change = changeOf(k)
  const tone = k.status === 'miss' ? 'border-l-red-500' : k.status === 'ok' ? 'border-l-emerald-500' : 'border-l-slate-300'
  return (
    <div className={`card border-l-4 ${tone} p-3`} data-testid={`kpi-${k.id}`} data-status={k.status}>
      <p className="text-xs text-slate-500 dark:text-slate-400">
        {k.label}
        {k.flow ? ` · ${k.flow}` : ''}
      </p>
      <p className="text-xl font-semibold tabular-nums">
        {href ? (
          <Link href={href} className="hover:underline" title="Open the matching records">
            {formatKpi(k.value, k.unit)}
          </Link>
        ) : (
          formatKpi(k.value, k.unit)
        )}
        <span className="ml-1 text-xs font-normal text-slate-500">{k.status === 'miss' ? '✕ misses' : k.status === 'ok' ? '✓ meets' : ''}</span>
      </p>
      <p className="text-xs text-slate-500">
        {formatTarget(k)}
        {k.target?.source === 'flow' ? ' (flow)' : k.target?.source === 'default' ? ' (default)' : ''}
      </p>
      {change && (
        <p className={`text-xs ${change.better === null ? 'text-slate-500' : change.better ? 'text-emerald-700 dark:text-emerald-300' : 'text-red-700 dark:text-red-300'}`}>{change.text}</p>
      )}
    </div>
  )
}

function Table({ caption, head, rows, testId }: { caption: string; head: string[]; rows: React.ReactNode[][]; testId: string }) {
  return (
    <div className="card overflow-x-auto p-0" data-testid={testId}>
      <table className="w-full text-sm">
        <caption className="px-3 pt-3 text-left font-medium">{caption}</caption>
        <thead className="text-left text-xs text-slate-500">
          <tr>
            {head.map((h) => (
              <th key={h} scope="col" className="px-3 py-2 font-medium">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i} className="border-t border-slate-100 dark:border-slate-800">
              {r.map((c, j) => (
                <td key={j} className="px-3 py-1.5 tabular-nums">
                  {c}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <p className="px-3 pb-3 text-sm text-slate-500">Nothing in this range.</p>}
    </div>
  )
}

const pct = (n: number, d: number) => (d ? (100 * n) / d : null)

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
  const link = (href: string, text: React.ReactNode) => (
    <Link href={href} className="hover:underline">
      {text}
    </Link>
  )
  const sync = d.report.kpis.filter((k) => KPI_INFO[k.id].sync)
  const other = d.report.kpis.filter((k) => !KPI_INFO[k.id].sync)
  const started = d.series.reduce((n, p) => n + p.started, 0)
  const hold = d.report.holds
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
      <Table
        caption="By flow"
        testId="by-flow"
        head={['Flow', 'Transactions', 'First-pass', 'E2E p95 / target', 'Open', 'Stuck', 'Dead-lettered', 'Duplicates', 'Technical failures']}
        rows={d.report.flows.map((f) => [
          link(tracesHref({ flow: [f.flow] }, h), f.flow),
          link(tracesHref({ flow: [f.flow] }, h), formatCount(f.transactions)),
          formatPercent(pct(f.first_attempt_ok, f.settled)),
          <span key="e2e" className={f.e2e_p95_ms !== null && f.e2e_p95_ms / 1000 > f.e2eTarget.value ? 'text-red-700 dark:text-red-300' : ''}>
            {formatDuration(f.e2e_p95_ms)} / {formatDuration(f.e2eTarget.value * 1000)}
          </span>,
          link(tracesHref({ flow: [f.flow], status: ['in_progress', 'retrying', 'waiting', 'partial', 'dead_lettered', 'stuck'] }, h), formatCount(f.open)),
          link(tracesHref({ flow: [f.flow], status: ['stuck'] }, h), formatCount(f.stuck)),
          link(exceptionsHref({ flow: [f.flow] }, h), formatCount(f.dead_lettered)),
          formatCount(f.duplicates),
          link(exceptionsHref({ flow: [f.flow], category: ['transient'] }, h), formatPercent(pct(f.errors_transient, f.posting_requests), 2)),
        ])}
      />
      <div className="grid gap-3 lg:grid-cols-2">
        <Table
          caption="By line"
          testId="by-line"
          head={['Line', 'ERP events', 'ERP errors', 'Postings', 'Posting failures', 'Dead-lettered']}
          rows={d.lines.map((l) => [
            link(tracesHref({ line: l.line || null }, h), l.line || '(no line)'),
            formatCount(l.events),
            link(exceptionsHref({ q: l.line || null }, h), formatCount(l.errors)),
            formatCount(l.postings),
            formatCount(l.failures),
            formatCount(l.deadLettered),
          ])}
        />
        <Table
          caption="Hop latency (which hop is slow)"
          testId="by-hop"
          head={['Hop', 'Events', 'Errors', 'p50', 'p95', 'max']}
          rows={[...d.hops]
            .sort((a, b) => (b.p95 ?? -1) - (a.p95 ?? -1))
            .map((r) => [r.hop, formatCount(r.events), formatCount(r.errors), formatDuration(r.p50), formatDuration(r.p95), formatDuration(r.max)])}
        />
      </div>
      <div className="grid gap-3 lg:grid-cols-2">
        <section className="card space-y-2" data-testid="quality-hold">
          <h2 className="font-medium">Quality hold propagation</h2>
          {hold && hold.holds > 0 ? (
            <dl className="grid grid-cols-2 gap-1 text-sm">
              <dt className="text-slate-500">Holds placed</dt>
              <dd>{link(tracesHref({ flow: ['quality_hold'] }, h), formatCount(hold.holds))}</dd>
              <dt className="text-slate-500">Applied in MES, WMS and ERP</dt>
              <dd>{formatCount(hold.propagated)}</dd>
              <dt className="text-slate-500">Propagation p95 / max</dt>
              <dd>
                {formatDuration(hold.propagation_p95_ms)} / {formatDuration(hold.propagation_max_ms)}
              </dd>
              <dt className="text-slate-500">p95 per system (MES · WMS · ERP)</dt>
              <dd>
                {formatDuration(hold.mes_p95_ms)} · {formatDuration(hold.wms_p95_ms)} · {formatDuration(hold.erp_p95_ms)}
              </dd>
              <dt className="text-slate-500">Leakage (held lot consumed or shipped)</dt>
              <dd className={hold.leaks ? 'font-semibold text-red-700 dark:text-red-300' : ''}>{formatCount(hold.leaks)}</dd>
            </dl>
          ) : (
            <p className="text-sm text-slate-500">No quality holds placed in this range.</p>
          )}
        </section>
        <section className="space-y-2" data-testid="production">
          <div className="grid gap-2 sm:grid-cols-3">
            {other
              .filter((k) => !['hold_propagation_p95', 'hold_leakage'].includes(k.id))
              .map((k) => (
                <KpiCard key={k.id} k={k} href={kpiHref(k.id, h)} />
              ))}
          </div>
          <Table
            caption="OEE by line (ISO 22400)"
            testId="oee-by-line"
            head={['Line', 'Availability', 'Performance', 'Quality', 'OEE', 'Scrap']}
            rows={d.report.production
              .filter((p) => p.busy_ms > 0 || p.good + p.scrap > 0)
              .map((p) => {
                const a = p.busy_ms ? p.running_ms / p.busy_ms : null
                const perf = p.running_ms ? Math.min(p.ideal_ms / p.running_ms, 1.5) : null
                const produced = p.good + p.scrap
                const qual = produced ? p.good / produced : null
                const oee = a !== null && perf !== null && qual !== null ? a * perf * qual : null
                return [
                  p.line || '(no line)',
                  formatPercent(a === null ? null : 100 * a),
                  formatPercent(perf === null ? null : 100 * perf),
                  formatPercent(qual === null ? null : 100 * qual),
                  formatPercent(oee === null ? null : 100 * oee),
                  formatPercent(produced ? (100 * p.scrap) / produced : null),
                ]
              })}
          />
        </section>
      </div>
    </div>
  )
}
