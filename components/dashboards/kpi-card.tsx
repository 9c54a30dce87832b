import Link from 'next/link'
import type { KpiValue } from '@/server/domain/kpis'
import { changeOf, formatKpi, formatTarget } from './kpi-format'

/** One KPI: value (linked to the matching records), whether it meets its target, and the change. */
export function KpiCard({ k, href }: { k: KpiValue; href: string | null }) {
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
      {/* No value, or no verdict: say why in words (server/domain/oee.ts, KPI_MIN_SAMPLES) rather than a bare dash. */}
      {k.reason && (k.value === null || k.status === 'few') && (
        <p className="text-xs text-slate-600 dark:text-slate-300" data-testid="kpi-reason">
          {k.reason}
        </p>
      )}
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
