'use client'

import { useRouter } from 'next/navigation'
import type { ReactNode } from 'react'
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { SeriesPoint } from '@/server/services/kpis/dashboard'
import { exceptionsHref, tracesHref } from '@/server/domain/links'
import { formatDuration } from '../ui/format'

/**
 * The plant dashboard's time series. Every chart: axes with units, legend, tooltip, and a click on
 * a bucket that opens the matching traces or exceptions for that bucket's time.
 */

const COLORS = { postings: '#0369a1', started: '#64748b', transient: '#d97706', dependency: '#7c3aed', permanent: '#dc2626', partial: '#db2777', p50: '#0d9488', p95: '#b45309', backlog: '#475569' }

interface ChartProps {
  plant: string
  series: SeriesPoint[]
  stepSec: number
  timeZone: string
}

function useTick(timeZone: string, stepSec: number) {
  const fmt = new Intl.DateTimeFormat('en-GB', stepSec < 3600 ? { timeZone, hour: '2-digit', minute: '2-digit' } : { timeZone, day: 'numeric', month: 'short', hour: '2-digit' })
  return (t: string) => fmt.format(new Date(t))
}

/** The [from, to) of the bucket clicked, for drill-down links. */
function bucketRange(series: SeriesPoint[], index: unknown, stepSec: number) {
  const p = series[Number(index)]
  if (!p) return null
  const from = new Date(p.t)
  return { from: from.toISOString(), to: new Date(from.getTime() + stepSec * 1000).toISOString() }
}

function ChartCard({ title, testId, children, hint }: { title: string; testId: string; children: ReactNode; hint: string }) {
  return (
    <figure className="card" data-testid={testId}>
      <figcaption className="mb-2 flex items-baseline justify-between gap-2">
        <span className="font-medium">{title}</span>
        <span className="text-xs text-slate-500">{hint}</span>
      </figcaption>
      <div className="h-56">{children}</div>
    </figure>
  )
}

type ClickState = { activeIndex?: unknown } | null | undefined

export function DashboardCharts({ plant, series, stepSec, timeZone, e2eTargetS }: ChartProps & { e2eTargetS: number }) {
  const router = useRouter()
  const tick = useTick(timeZone, stepSec)
  const per = stepSec < 3600 ? 'minute' : 'hour'
  const open = (state: ClickState, href: (r: { from: string; to: string }) => string) => {
    const r = bucketRange(series, state?.activeIndex, stepSec)
    if (r) router.push(href(r))
  }
  const labelOf = (t: unknown) => `${tick(String(t))} (${timeZone})`
  const axis = { tick: { fontSize: 11 }, stroke: '#94a3b8' }
  return (
    <div className="grid gap-3 lg:grid-cols-2">
      <ChartCard title={`Throughput per ${per}`} testId="chart-throughput" hint="click a bar: its transactions">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={series} onClick={(s: ClickState) => open(s, (r) => tracesHref({}, { plant, ...r }))}>
            <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
            <XAxis dataKey="t" tickFormatter={tick} {...axis} minTickGap={24} />
            <YAxis {...axis} allowDecimals={false} label={{ value: 'count', angle: -90, position: 'insideLeft', fontSize: 11 }} />
            <Tooltip labelFormatter={labelOf} />
            <Legend />
            <Bar dataKey="started" name="transactions started" fill={COLORS.started} isAnimationActive={false} />
            <Bar dataKey="postings" name="ERP postings" fill={COLORS.postings} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </ChartCard>
      <ChartCard title="Failed ERP postings by category" testId="chart-failures" hint="click a bar: its exceptions">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={series} onClick={(s: ClickState) => open(s, (r) => exceptionsHref({}, { plant, ...r }))}>
            <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
            <XAxis dataKey="t" tickFormatter={tick} {...axis} minTickGap={24} />
            <YAxis {...axis} allowDecimals={false} label={{ value: 'failed events', angle: -90, position: 'insideLeft', fontSize: 11 }} />
            <Tooltip labelFormatter={labelOf} />
            <Legend />
            {(['transient', 'dependency', 'permanent', 'partial'] as const).map((c) => (
              <Bar key={c} dataKey={c} name={c} stackId="failures" fill={COLORS[c]} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </ChartCard>
      <ChartCard title="E2E posting latency (by source time)" testId="chart-e2e" hint={`SLA ${formatDuration(e2eTargetS * 1000)} · click: transactions`}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={series} onClick={(s: ClickState) => open(s, (r) => tracesHref({}, { plant, ...r }))}>
            <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
            <XAxis dataKey="t" tickFormatter={tick} {...axis} minTickGap={24} />
            <YAxis {...axis} tickFormatter={(v: number) => formatDuration(v * 1000)} width={64} />
            <Tooltip labelFormatter={labelOf} formatter={(v) => formatDuration(Number(v) * 1000)} />
            <Legend />
            <ReferenceLine y={e2eTargetS} stroke="#dc2626" strokeDasharray="6 3" label={{ value: 'SLA', fontSize: 11, fill: '#dc2626', position: 'insideTopRight' }} />
            <Line dataKey="e2eP50" name="p50" stroke={COLORS.p50} dot={false} connectNulls isAnimationActive={false} />
            <Line dataKey="e2eP95" name="p95" stroke={COLORS.p95} dot={false} connectNulls isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </ChartCard>
      <ChartCard title="Open backlog over time" testId="chart-backlog" hint="transactions of the range not yet posted · click: open ones">
        <ResponsiveContainer width="100%" height="100%">
          <AreaChart
            data={series}
            onClick={(s: ClickState) => open(s, (r) => tracesHref({ status: ['in_progress', 'retrying', 'waiting', 'partial', 'dead_lettered', 'stuck'] }, { plant, ...r }))}
          >
            <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
            <XAxis dataKey="t" tickFormatter={tick} {...axis} minTickGap={24} />
            <YAxis {...axis} allowDecimals={false} label={{ value: 'transactions', angle: -90, position: 'insideLeft', fontSize: 11 }} />
            <Tooltip labelFormatter={labelOf} />
            <Legend />
            <Area dataKey="backlog" name="open backlog" stroke={COLORS.backlog} fill={COLORS.backlog} fillOpacity={0.2} isAnimationActive={false} />
            <Area dataKey="stuck" name="stuck (by source time)" stroke={COLORS.permanent} fill={COLORS.permanent} fillOpacity={0.2} isAnimationActive={false} />
          </AreaChart>
        </ResponsiveContainer>
      </ChartCard>
    </div>
  )
}
