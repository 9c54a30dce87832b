import type { HopEventInput } from '../../server/domain/hop-event'

/**
 * The two posting KPIs the plant health is judged on (KPIS.md, as server/services/kpis computes
 * them from txn_summary and the ERP-hop rollup), over hop events in memory, per plant, for
 * transactions and events whose origin time is in [from, to):
 * - first-pass success = transactions whose attempt 1 succeeded (not a replay) / transactions with
 *   a posting request that succeeded or failed;
 * - technical failure rate = ERP-hop failures of category `transient` / posting requests.
 */

export interface PostingRates {
  plant: string
  settled: number
  firstPass: number
  /** % */
  firstPassSuccess: number
  requests: number
  transientFailures: number
  /** % */
  technicalFailureRate: number
}

export function postingRates(events: readonly HopEventInput[], from: number, to: number): PostingRates[] {
  const byTxn = new Map<string, HopEventInput[]>()
  const rates = new Map<string, PostingRates>()
  const of = (plant: string) => {
    let r = rates.get(plant)
    if (!r) rates.set(plant, (r = { plant, settled: 0, firstPass: 0, firstPassSuccess: 0, requests: 0, transientFailures: 0, technicalFailureRate: 0 }))
    return r
  }
  for (const e of events) {
    const origin = Date.parse(e.origin_time ?? e.occurred_at)
    if (origin < from || origin >= to) continue
    const list = byTxn.get(e.correlation_id)
    if (list) list.push(e)
    else byTxn.set(e.correlation_id, [e])
    if (e.hop !== 'erp') continue
    if (e.event_type === 'erp.posting_requested') of(e.plant).requests++
    if (e.error?.category === 'transient') of(e.plant).transientFailures++
  }
  for (const list of byTxn.values()) {
    if (!list.some((e) => e.event_type === 'erp.posting_requested')) continue
    const firstPass = list.some((e) => e.event_type === 'erp.posting_succeeded' && e.attempt === 1 && !e.replay)
    const settled = firstPass || list.some((e) => e.error || e.event_type === 'erp.posting_succeeded')
    if (!settled) continue
    const r = of(list[0]!.plant)
    r.settled++
    if (firstPass) r.firstPass++
  }
  for (const r of rates.values()) {
    r.firstPassSuccess = r.settled ? (100 * r.firstPass) / r.settled : 100
    r.technicalFailureRate = r.requests ? (100 * r.transientFailures) / r.requests : 0
  }
  return [...rates.values()].sort((a, b) => a.plant.localeCompare(b.plant))
}
