/**
 * Default KPI targets (KPIS.md). Seeded for every plant under flow "*"; admins override per plant
 * and flow. `direction` says whether the measured value must stay at most or at least the target.
 */
export interface SlaDefault {
  kpi: string
  label: string
  target: number
  unit: string
  direction: 'max' | 'min'
}

export const SLA_DEFAULTS: readonly SlaDefault[] = [
  { kpi: 'e2e_latency_p95', label: 'E2E posting latency p95', target: 300, unit: 's', direction: 'max' },
  { kpi: 'first_pass_success', label: 'First-pass posting success', target: 98, unit: '%', direction: 'min' },
  { kpi: 'eventual_success_24h', label: 'Eventual success (24 h)', target: 99.9, unit: '%', direction: 'min' },
  { kpi: 'auto_recovery_rate', label: 'Auto-recovery rate', target: 95, unit: '%', direction: 'min' },
  { kpi: 'dead_lettered_backlog', label: 'Dead-lettered backlog', target: 50, unit: 'count', direction: 'max' },
  { kpi: 'backlog_age_max', label: 'Backlog age (max)', target: 24, unit: 'h', direction: 'max' },
  { kpi: 'stuck_transactions', label: 'Stuck transactions', target: 0, unit: 'count', direction: 'max' },
  { kpi: 'technical_failure_rate', label: 'Technical failure rate', target: 0.2, unit: '%', direction: 'max' },
  { kpi: 'dead_letter_mttr', label: 'Dead-letter MTTR', target: 4, unit: 'h', direction: 'max' },
  { kpi: 'replay_success_rate', label: 'Replay success rate', target: 95, unit: '%', direction: 'min' },
  { kpi: 'duplicate_postings', label: 'Duplicate postings', target: 0, unit: 'count', direction: 'max' },
  { kpi: 'ingest_freshness', label: 'Ingest freshness', target: 10, unit: 's', direction: 'max' },
  // Flow-specific (KPIS.md): quality holds must reach MES, WMS and ERP quickly and nothing may leak.
  { kpi: 'hold_propagation_p95', label: 'Quality hold propagation p95', target: 300, unit: 's', direction: 'max' },
  { kpi: 'hold_leakage', label: 'Hold leakage', target: 0, unit: 'count', direction: 'max' },
  // Reconciliation (KPIS.md flow-specific): MES and ERP quantities agree at order close; stock moves post within 15 min.
  { kpi: 'quantity_reconciliation_gap', label: 'Quantity reconciliation gap (closed orders)', target: 0, unit: '%', direction: 'max' },
  { kpi: 'inventory_posting_delay_p95', label: 'Inventory posting delay p95', target: 900, unit: 's', direction: 'max' },
]

/**
 * A flow's SLA (how long a transaction may take from its source event to its posting before it
 * counts as stuck) is its E2E latency target: one number per plant and flow, editable by admins.
 */
export const FLOW_SLA_KPI = 'e2e_latency_p95'
export const DEFAULT_FLOW_SLA_MS = SLA_DEFAULTS.find((d) => d.kpi === FLOW_SLA_KPI)!.target * 1_000

export function slaDefault(kpi: string): SlaDefault | undefined {
  return SLA_DEFAULTS.find((d) => d.kpi === kpi)
}
