import type { Health, KpiId, KpiValue } from '@/server/domain/kpis'
import { OPEN_DEAD_LETTER_STATUSES } from '@/server/domain/dead-letters'
import { exceptionsHref, reconciliationHref, tracesHref, type HeaderState } from '@/server/domain/links'
import { formatCount, formatDuration, formatPercent } from '../ui/format'

/** A KPI value with its unit, humanised ("4 min 12 s", "97.4 %", "1,204"). */
export function formatKpi(value: number | null | undefined, unit: KpiValue['unit']): string {
  if (value === null || value === undefined) return '—'
  switch (unit) {
    case 's':
      return formatDuration(value * 1000)
    case 'h':
      return formatDuration(value * 3_600_000)
    case '%':
      return formatPercent(value)
    default:
      return formatCount(Math.round(value))
  }
}

export function formatTarget(k: Pick<KpiValue, 'target' | 'unit'>): string {
  if (!k.target) return 'no target'
  return `target ${k.target.direction === 'max' ? '≤' : '≥'} ${formatKpi(k.target.value, k.unit)}`
}

/** Change against the previous period, with whether it is an improvement for this KPI. */
export function changeOf(k: KpiValue): { text: string; better: boolean | null } | null {
  if (k.previous === undefined) return null
  if (k.previous === null || k.value === null) return { text: 'no previous data', better: null }
  const diff = k.value - k.previous
  if (diff === 0) return { text: 'no change vs previous period', better: null }
  const text = `${diff > 0 ? '▲' : '▼'} ${formatKpi(Math.abs(diff), k.unit === '%' ? '%' : k.unit)} vs previous period`
  const lowerIsBetter = k.target ? k.target.direction === 'max' : !['first_pass_success', 'eventual_success_24h', 'auto_recovery_rate', 'replay_success_rate', 'oee', 'availability', 'performance', 'quality_rate', 'throughput'].includes(k.id)
  return { text, better: lowerIsBetter ? diff < 0 : diff > 0 }
}

export const HEALTH_INFO: Readonly<Record<Health, { label: string; icon: string; classes: string }>> = {
  green: { label: 'Healthy', icon: '✓', classes: 'border-emerald-300 bg-emerald-50 text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200' },
  amber: { label: 'Degraded', icon: '!', classes: 'border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200' },
  red: { label: 'Out of sync', icon: '✕', classes: 'border-red-300 bg-red-50 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200' },
  unknown: { label: 'No data', icon: '?', classes: 'border-slate-300 bg-slate-50 text-slate-700 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-300' },
}

export function HealthBadge({ health }: { health: Health }) {
  const info = HEALTH_INFO[health]
  return (
    <span data-testid="health" data-health={health} className={`inline-flex items-center gap-1 rounded border px-1.5 py-0.5 text-xs font-semibold ${info.classes}`}>
      <span aria-hidden="true">{info.icon}</span>
      {info.label}
    </span>
  )
}

/** Where a KPI's number drills down to: the matching traces or exceptions of the plant and range. */
export function kpiHref(id: KpiId, h: HeaderState, flow?: string): string | null {
  const flows = flow && flow !== '*' ? [flow] : undefined
  switch (id) {
    case 'stuck_transactions':
      return tracesHref({ status: ['stuck'], flow: flows }, h)
    case 'open_backlog':
    case 'backlog_age_max':
    case 'backlog_age_p95':
      return tracesHref({ status: ['in_progress', 'retrying', 'waiting', 'partial', 'dead_lettered', 'stuck'], flow: flows }, h)
    case 'e2e_latency_p95':
    case 'e2e_latency_p50':
    case 'first_pass_success':
    case 'eventual_success_24h':
    case 'duplicate_postings':
      return tracesHref({ flow: flows }, h)
    case 'auto_recovery_rate':
      return tracesHref({ status: ['retrying'], flow: flows }, h)
    case 'dead_lettered_backlog':
      return exceptionsHref({ status: [...OPEN_DEAD_LETTER_STATUSES], flow: flows }, h)
    case 'technical_failure_rate':
      return exceptionsHref({ category: ['transient'], flow: flows }, h)
    case 'failure_rate_dependency':
      return exceptionsHref({ category: ['dependency'], flow: flows }, h)
    case 'failure_rate_permanent':
      return exceptionsHref({ category: ['permanent'], flow: flows }, h)
    case 'failure_rate_partial':
      return exceptionsHref({ category: ['partial'], flow: flows }, h)
    case 'dead_letter_mttr':
    case 'replay_success_rate':
      return exceptionsHref({ status: ['resolved', 'failed_again'] }, h)
    case 'hold_propagation_p95':
    case 'hold_leakage':
      return tracesHref({ flow: ['quality_hold'] }, h)
    case 'oee':
    case 'availability':
    case 'performance':
    case 'quality_rate':
    case 'scrap_ratio':
    case 'throughput':
      return tracesHref({ flow: ['equipment_state', 'production_confirmation'] }, h)
    case 'quantity_reconciliation_gap':
      return h.plant ? reconciliationHref(h.plant, { flow: 'production_confirmation', kind: ['never_posted', 'posted_twice', 'quantity_differs'] }, h) : null
    case 'inventory_posting_delay_p95':
      return h.plant ? reconciliationHref(h.plant, { flow: 'goods_movement', kind: ['posted_late'] }, h) : null
    default:
      return null
  }
}
