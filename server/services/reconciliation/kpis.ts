import type { Ctx } from '../../context/ctx'
import { reconKpiPeriods, type ReconKpiRow } from '../../clickhouse/queries/reconciliation-kpis'
import { kpiValue, type KpiTarget, type KpiValue } from '../../domain/kpis'
import { DEFAULT_FLOW_SLA_MS } from '../../domain/sla'
import type { SlaBook } from '../sla/book'

/**
 * The two reconciliation KPIs of KPIS.md per plant, for the KPI report (services/kpis/compute.ts
 * registers them): quantity reconciliation gap per work order (headline: the largest gap among the
 * orders closed in ERP, target 0 %; the running orders' numbers in the detail) and inventory posting
 * delay (p95 of posted − moved over goods movements and transfers, target 15 min).
 */

export type ReconKpiCtx = Pick<Ctx, 'ch' | 'actor'>

function target(book: SlaBook, plant: string, kpi: string): KpiTarget {
  const t = book.target(plant, '*', kpi)
  return { value: t.target, direction: t.direction, source: t.source }
}

function values(book: SlaBook, plant: string, k: ReconKpiRow): KpiValue[] {
  return [
    kpiValue('quantity_reconciliation_gap', k.closed_max_gap_pct, target(book, plant, 'quantity_reconciliation_gap'), k.closed_orders, {
      detail: {
        closed_orders: k.closed_orders,
        closed_with_gap: k.closed_with_gap,
        running_orders: k.running_orders,
        running_with_gap: k.running_with_gap,
        running_max_gap_pct: k.running_max_gap_pct,
      },
    }),
    kpiValue(
      'inventory_posting_delay_p95',
      k.delay_p95_ms === null ? null : k.delay_p95_ms / 1000,
      target(book, plant, 'inventory_posting_delay_p95'),
      k.movements,
      { detail: { max_s: k.delay_max_ms === null ? null : k.delay_max_ms / 1000 } },
    ),
  ]
}

/**
 * Per plant: the KPIs over [from, to) and, with `previousFrom`, their values over [previousFrom, from).
 * One query per plant for both periods (from stored hours: queries/reconciliation-kpis.ts).
 */
export async function reconciliationKpis(
  ctx: ReconKpiCtx,
  q: { plants: readonly string[]; from: Date; to: Date; now: Date; previousFrom?: Date; book: SlaBook },
): Promise<Map<string, { current: KpiValue[]; previous: KpiValue[] | null }>> {
  const state = { now: q.now, slas: q.book.flowSlas(), defaultSlaMs: DEFAULT_FLOW_SLA_MS }
  const out = new Map<string, { current: KpiValue[]; previous: KpiValue[] | null }>()
  await Promise.all(
    q.plants.map(async (plant) => {
      const k = await reconKpiPeriods(ctx.ch, { plant, from: q.from, to: q.to, previousFrom: q.previousFrom, state, actor: ctx.actor })
      out.set(plant, { current: values(q.book, plant, k.current), previous: k.previous ? values(q.book, plant, k.previous) : null })
    }),
  )
  return out
}

/** A plant's reconciliation KPIs as the report lists them: each with its previous value when the previous period was read. */
export function reconKpiValues(entry: { current: KpiValue[]; previous: KpiValue[] | null } | undefined): KpiValue[] {
  if (!entry) return []
  return entry.current.map((k) => (entry.previous ? { ...k, previous: entry.previous.find((p) => p.id === k.id)?.value ?? null } : k))
}
