/**
 * Sync-health KPIs of KPIS.md: what each value is, how it is judged against its target, and the
 * plant health status that follows. Pure (no I/O), so the UI may import the types and labels.
 */

export type KpiUnit = 's' | 'h' | '%' | 'count' | 'msgs'
/** 'few': measured, but on fewer samples than KPI_MIN_SAMPLES asks for, so not judged. */
export type KpiStatus = 'ok' | 'miss' | 'few' | 'none'
export type Health = 'green' | 'amber' | 'red' | 'unknown'

/** The headline row (KPIS.md "Sync health"); health is judged on these. */
export const SYNC_KPIS = [
  'e2e_latency_p95',
  'e2e_latency_p50',
  'first_pass_success',
  'eventual_success_24h',
  'auto_recovery_rate',
  'open_backlog',
  'dead_lettered_backlog',
  'backlog_age_max',
  'backlog_age_p95',
  'stuck_transactions',
  'technical_failure_rate',
  'failure_rate_dependency',
  'failure_rate_permanent',
  'failure_rate_partial',
  'dead_letter_mttr',
  'replay_success_rate',
  'duplicate_postings',
  'ingest_freshness',
  'consumer_lag',
] as const
/** Flow-specific and production KPIs: shown with targets where KPIS.md has one, not part of health. */
export const OTHER_KPIS = ['hold_propagation_p95', 'hold_leakage', 'oee', 'availability', 'performance', 'quality_rate', 'scrap_ratio', 'throughput'] as const
/** Reconciliation KPIs (KPIS.md flow-specific; computed in services/reconciliation/kpis.ts): shown with targets, not part of health. */
export const RECON_KPIS = ['quantity_reconciliation_gap', 'inventory_posting_delay_p95'] as const
export type KpiId = (typeof SYNC_KPIS)[number] | (typeof OTHER_KPIS)[number] | (typeof RECON_KPIS)[number]

export interface KpiTarget {
  value: number
  direction: 'max' | 'min'
  /** Where the number came from (services/sla/). */
  source: 'flow' | 'plant' | 'default'
}

export interface KpiValue {
  id: KpiId
  label: string
  unit: KpiUnit
  /** null when nothing was measured in the range (no transaction, no replay …). */
  value: number | null
  target: KpiTarget | null
  status: KpiStatus
  /** What the value counts (transactions, postings, dead letters …); 0 means "no data". */
  samples: number
  /** For per-flow KPIs: the flow the headline value is about (the worst against its target). */
  flow?: string
  /** The same KPI over the previous period of equal length; undefined when not computed. */
  previous?: number | null
  /** Extra numbers the cards show (backlog split, counts). */
  detail?: Record<string, number | string | null>
  /** Why there is no value or no verdict ("no equipment state events in this range", "too few transactions (3)"). */
  reason?: string
}

export const KPI_INFO: Readonly<Record<KpiId, { label: string; unit: KpiUnit; sync: boolean }>> = {
  e2e_latency_p95: { label: 'E2E posting latency p95', unit: 's', sync: true },
  e2e_latency_p50: { label: 'E2E posting latency p50', unit: 's', sync: true },
  first_pass_success: { label: 'First-pass posting success', unit: '%', sync: true },
  eventual_success_24h: { label: 'Eventual success (24 h)', unit: '%', sync: true },
  auto_recovery_rate: { label: 'Auto-recovery rate', unit: '%', sync: true },
  open_backlog: { label: 'Open backlog', unit: 'count', sync: true },
  dead_lettered_backlog: { label: 'Dead-lettered (open)', unit: 'count', sync: true },
  backlog_age_max: { label: 'Backlog age (max)', unit: 'h', sync: true },
  backlog_age_p95: { label: 'Backlog age (p95)', unit: 'h', sync: true },
  stuck_transactions: { label: 'Stuck transactions', unit: 'count', sync: true },
  technical_failure_rate: { label: 'Technical failure rate', unit: '%', sync: true },
  failure_rate_dependency: { label: 'Dependency failure rate', unit: '%', sync: true },
  failure_rate_permanent: { label: 'Permanent failure rate', unit: '%', sync: true },
  failure_rate_partial: { label: 'Partial failure rate', unit: '%', sync: true },
  dead_letter_mttr: { label: 'Dead-letter MTTR', unit: 'h', sync: true },
  replay_success_rate: { label: 'Replay success rate', unit: '%', sync: true },
  duplicate_postings: { label: 'Duplicate postings', unit: 'count', sync: true },
  ingest_freshness: { label: 'Ingest freshness', unit: 's', sync: true },
  consumer_lag: { label: 'Consumer lag', unit: 'msgs', sync: true },
  hold_propagation_p95: { label: 'Quality hold propagation p95', unit: 's', sync: false },
  hold_leakage: { label: 'Hold leakage', unit: 'count', sync: false },
  oee: { label: 'OEE', unit: '%', sync: false },
  availability: { label: 'Availability', unit: '%', sync: false },
  performance: { label: 'Performance', unit: '%', sync: false },
  quality_rate: { label: 'Quality', unit: '%', sync: false },
  scrap_ratio: { label: 'Scrap ratio', unit: '%', sync: false },
  throughput: { label: 'Throughput', unit: 'count', sync: false },
  quantity_reconciliation_gap: { label: 'Quantity reconciliation gap', unit: '%', sync: false },
  inventory_posting_delay_p95: { label: 'Inventory posting delay p95', unit: 's', sync: false },
}

/**
 * The fewest samples a KPI is judged on (docs/kpis.md says why each). Below it the value is still
 * shown, but the status is 'few' ("too few transactions (n)") and plant health ignores it: two
 * transactions with one failure are not a 50 % first-pass rate anybody should be paged for.
 * Counts (backlog, stuck, duplicates, dead letters) and "now" values are evidence by themselves: 0.
 */
export const KPI_MIN_SAMPLES: Readonly<Partial<Record<KpiId, number>>> = {
  e2e_latency_p95: 20,
  e2e_latency_p50: 5,
  first_pass_success: 50,
  eventual_success_24h: 100,
  auto_recovery_rate: 20,
  technical_failure_rate: 200,
  failure_rate_dependency: 200,
  failure_rate_permanent: 200,
  failure_rate_partial: 200,
  dead_letter_mttr: 5,
  replay_success_rate: 10,
  hold_propagation_p95: 5,
}

/** "too few transactions (3)": the words the cards, the REST answer and the tests share. */
export const tooFew = (samples: number) => `too few transactions (${samples})`

/** Red thresholds of KPIS.md beyond the targets. */
export const RED_FRESHNESS_S = 60

export function judge(value: number | null, target: KpiTarget | null, samples = Infinity, minSamples = 0): KpiStatus {
  if (value === null || target === null) return 'none'
  if (samples < minSamples) return 'few'
  return (target.direction === 'max' ? value <= target.value : value >= target.value) ? 'ok' : 'miss'
}

export function kpiValue(
  id: KpiId,
  value: number | null,
  target: KpiTarget | null,
  samples: number,
  extra: Partial<Pick<KpiValue, 'flow' | 'detail' | 'reason'>> = {},
): KpiValue {
  const info = KPI_INFO[id]
  const status = judge(value, target, samples, KPI_MIN_SAMPLES[id] ?? 0)
  const k: KpiValue = { id, label: info.label, unit: info.unit, value, target, status, samples, ...extra }
  if (status === 'few' && !k.reason) k.reason = tooFew(samples)
  return k
}

/** "4.2 min", "97.4 %", "3" — the numbers of a health reason (the UI has richer formatting). */
export function formatKpiNumber(value: number, unit: KpiUnit): string {
  const round = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toString() : Number(n.toPrecision(3)).toString())
  switch (unit) {
    case 's':
      return value >= 120 ? `${round(value / 60)} min` : `${round(value)} s`
    case 'h':
      return value >= 48 ? `${round(value / 24)} d` : value < 1 ? `${round(value * 60)} min` : `${round(value)} h`
    case '%':
      return `${round(value)} %`
    default:
      return round(value)
  }
}

/** "E2E posting latency p95 (goods_movement) 4.2 min vs ≤ 2 min target" */
export function reasonOf(k: KpiValue): string {
  if (k.value === null || !k.target) return k.label
  const flow = k.flow && k.flow !== '*' ? ` (${k.flow})` : ''
  const sign = k.target.direction === 'max' ? '≤' : '≥'
  return `${k.label}${flow} ${formatKpiNumber(k.value, k.unit)} vs ${sign} ${formatKpiNumber(k.target.value, k.unit)} target`
}

export interface HealthReason {
  kpi: KpiId
  severity: 'red' | 'amber'
  text: string
}

export interface PlantHealth {
  health: Health
  reasons: HealthReason[]
}

/**
 * KPIS.md: green when every sync KPI meets its target, amber when any misses it, red when stuck
 * transactions stayed stuck for longer than the flow SLA, dead-lettered exceeds its target, or
 * ingest freshness exceeds 60 s. Reasons say which KPI and by how much, red first.
 */
export function plantHealth(kpis: readonly KpiValue[], stuckBeyondSla: number): PlantHealth {
  const reasons: HealthReason[] = []
  let measured = 0
  for (const k of kpis) {
    // Not measured, or measured on too few samples to mean anything: no verdict either way.
    if (!KPI_INFO[k.id].sync || k.status === 'none' || k.status === 'few') continue
    measured++
    if (k.status !== 'miss') continue
    const red =
      (k.id === 'stuck_transactions' && stuckBeyondSla > 0) ||
      k.id === 'dead_lettered_backlog' ||
      (k.id === 'ingest_freshness' && k.value !== null && k.value > RED_FRESHNESS_S)
    const text =
      k.id === 'stuck_transactions' && stuckBeyondSla > 0
        ? `${reasonOf(k)}; ${stuckBeyondSla} stuck for longer than the flow SLA`
        : reasonOf(k)
    reasons.push({ kpi: k.id, severity: red ? 'red' : 'amber', text })
  }
  reasons.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'red' ? -1 : 1))
  const health: Health = reasons.some((r) => r.severity === 'red') ? 'red' : reasons.length ? 'amber' : measured ? 'green' : 'unknown'
  return { health, reasons }
}

/** Worst first: red, amber, unknown, green; then by number of reasons. */
export const HEALTH_RANK: Readonly<Record<Health, number>> = { red: 0, amber: 1, unknown: 2, green: 3 }
