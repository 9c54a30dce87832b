import type { KpiSource } from '../alerts/sources'
import { computeFlowHealth, type FlowHealth, type KpiCtx } from './compute'

/**
 * The KPI service as the alert evaluator's KPI source (`evaluateAlerts` uses it unless given another `kpi`):
 * kpi_sla rules then judge exactly the numbers the dashboards show — the same per-transaction
 * formulas over the same window (computeFlowHealth: the flows computeKpis reports, and only they). One
 * read per distinct window for every plant at once.
 */
export function kpiServiceSource(ctx: KpiCtx, plants: readonly string[]): KpiSource {
  const cache = new Map<string, Promise<Map<string, FlowHealth[]>>>()
  const flowsIn = (from: Date, to: Date) => {
    const key = `${from.getTime()}|${to.getTime()}`
    let hit = cache.get(key)
    if (!hit) cache.set(key, (hit = computeFlowHealth(ctx, { plants, from, to, now: to })))
    return hit
  }
  return {
    async read(kpi, s) {
      const flows = ((await flowsIn(s.from, s.to)).get(s.plant) ?? []).filter((f) => s.flow === '*' || f.flow === s.flow)
      const total = (f: (x: (typeof flows)[number]) => number) => flows.reduce((n, x) => n + f(x), 0)
      switch (kpi) {
        case 'e2e_latency_p95':
          return flows.filter((f) => f.e2e_p95_ms !== null).map((f) => ({ flow: f.flow, value: f.e2e_p95_ms! / 1000, samples: f.posted }))
        case 'first_pass_success': {
          const settled = total((f) => f.settled)
          return [{ flow: s.flow, value: settled ? (100 * total((f) => f.first_attempt_ok)) / settled : null, samples: settled }]
        }
        case 'technical_failure_rate': {
          const requests = total((f) => f.posting_requests)
          return [{ flow: s.flow, value: requests ? (100 * total((f) => f.errors_transient)) / requests : null, samples: requests }]
        }
      }
    },
  }
}
