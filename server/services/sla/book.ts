import type { FlowSlaMs, TxnStateParams } from '../../clickhouse/queries/txn-state'
import type { PrismaClient } from '../../db/client'
import { DEFAULT_FLOW_SLA_MS, FLOW_SLA_KPI, SLA_DEFAULTS, slaDefault, type SlaDefault } from '../../domain/sla'

/**
 * Effective SLA targets: a plant's entry for the flow, else the plant's entry for every flow ("*"),
 * else the default of KPIS.md. The one place that resolves targets; dashboards, stuck detection
 * and alert rules all read through it.
 */

export interface EffectiveTarget extends SlaDefault {
  /** Where the number came from: an entry for this flow, the plant's "*" entry, or the default. */
  source: 'flow' | 'plant' | 'default'
}

export interface SlaBook {
  target(plant: string, flow: string, kpi: string): EffectiveTarget
  /** The flow SLA in ms (how long before a transaction without a posting is stuck). */
  flowSlaMs(plant: string, flow: string): number
  /** Every plant/flow entry of the flow SLA, for txnStateParams. */
  flowSlas(): FlowSlaMs[]
}

interface Row {
  plantCode: string
  flow: string
  kpi: string
  target: number
  unit: string
}

export function slaBookOf(rows: readonly Row[]): SlaBook {
  const byKey = new Map(rows.map((r) => [`${r.plantCode}|${r.flow}|${r.kpi}`, r]))
  const target = (plant: string, flow: string, kpi: string): EffectiveTarget => {
    const base = slaDefault(kpi)
    if (!base) throw new Error(`Unknown KPI ${JSON.stringify(kpi)}; known: ${SLA_DEFAULTS.map((d) => d.kpi).join(', ')}`)
    const own = byKey.get(`${plant}|${flow}|${kpi}`)
    if (own && flow !== '*') return { ...base, target: own.target, source: 'flow' }
    const plantWide = byKey.get(`${plant}|*|${kpi}`)
    if (plantWide) return { ...base, target: plantWide.target, source: 'plant' }
    return { ...base, source: 'default' }
  }
  return {
    target,
    flowSlaMs: (plant, flow) => target(plant, flow, FLOW_SLA_KPI).target * 1_000,
    flowSlas: () => rows.filter((r) => r.kpi === FLOW_SLA_KPI).map((r) => ({ plant: r.plantCode, flow: r.flow, ms: r.target * 1_000 })),
  }
}

/** The SLA targets of these plants (all plants when omitted). */
export async function loadSlaBook(prisma: PrismaClient, plants?: readonly string[]): Promise<SlaBook> {
  const rows = await prisma.slaTarget.findMany({
    where: plants ? { plantCode: { in: [...plants] } } : {},
    select: { plantCode: true, flow: true, kpi: true, target: true, unit: true },
  })
  return slaBookOf(rows)
}

/** What TXN_STATE_SQL needs to judge "stuck" for these plants at `now`. */
export async function txnStateParamsFor(prisma: PrismaClient, plants: readonly string[], now = new Date()): Promise<TxnStateParams> {
  const book = await loadSlaBook(prisma, plants)
  return { now, slas: book.flowSlas(), defaultSlaMs: DEFAULT_FLOW_SLA_MS }
}
