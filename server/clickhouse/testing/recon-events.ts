import type { Ev } from './hour-stats-events'
import { recentDay } from '../../testing/recent-day'

/**
 * Crafted hop events for the reconciliation tests (queries/reconciliation.test.ts and the service's):
 * one plant, production confirmations and goods movements with every kind of difference, each case
 * commented with what it exercises. Flow SLA 5 min (the default), read at RECON_NOW.
 */

const MIN = 60_000
export const RECON_PLANT = 'RC1'
/** The fixture's day (UTC `YYYY-MM-DD`), two days back: see recentDay. */
export const RECON_DAY = recentDay(2)
export const RECON_T0 = new Date(`${RECON_DAY}T08:00:00.000Z`)
export const RECON_NOW = new Date(`${RECON_DAY}T12:00:00.000Z`)
export const RECON_STATE = { now: RECON_NOW, slas: [], defaultSlaMs: 5 * MIN }

let seq = 0
let at = { plant: RECON_PLANT, t0: RECON_T0 }

function txn(cid: string, originMin: number, flow: string, workOrder = '') {
  const origin = new Date(at.t0.getTime() + originMin * MIN)
  const events: Ev[] = []
  const hop = (atMs: number, event_type: string, h: string, extra: Ev = {}) => {
    events.push({
      event_id: `${cid}-${++seq}`,
      event_type,
      occurred_at: new Date(origin.getTime() + atMs).toISOString(),
      origin_time: origin.toISOString(),
      correlation_id: cid,
      flow,
      hop: h,
      status: 'ok',
      plant: at.plant,
      work_order: workOrder,
      ...extra,
    })
    return hop
  }
  return { events, hop }
}

const qty = (good: number) => ({ qty_good: good, uom: 'PC' })

/** Confirmation: machine count, MES confirmation (the source quantity), hub, ERP request, then `outcome`. */
function confirmation(cid: string, originMin: number, workOrder: string, good: number) {
  const t = txn(cid, originMin, 'production_confirmation', workOrder)
  t.hop(0, 'shopfloor.production_counted', 'machine', qty(good))(500, 'production.operation_confirmed', 'mes', qty(good))(1_000, 'integration.message_received', 'hub')(
    2_000,
    'erp.posting_requested',
    'erp',
    { attempt: 1 },
  )
  return t
}

/**
 * The crafted set; `plant` and `t0` (default RECON_PLANT, RECON_T0) move it, e.g. to a demo plant
 * 4 h before the real now for tests through the REST handlers (the in-flight case is then 2 min old).
 */
export function makeReconEvents(where: { plant?: string; t0?: Date } = {}): { events: Ev[]; resent: Ev } {
  at = { plant: where.plant ?? RECON_PLANT, t0: where.t0 ?? RECON_T0 }
  // ok: posted once with the quantity the MES sent, after 60 s. No difference.
  const ok = confirmation('rc-ok', 0, 'WO1', 40)
  ok.hop(60_000, 'erp.posting_succeeded', 'erp', { attempt: 1, erp_document: '4900000001', ...qty(40) })
  // missing: dead-lettered, never posted (parked, and hours old).
  const missing = confirmation('rc-missing', 10, 'WO1', 12)
  missing.hop(20_000, 'erp.posting_dead_lettered', 'hub', { status: 'dead_lettered', error_category: 'permanent', error_code: 'M7/053' })
  // twice: two distinct ERP documents for one source transaction.
  const twice = confirmation('rc-twice', 20, 'WO2', 10)
  twice.hop(30_000, 'erp.posting_succeeded', 'erp', { attempt: 1, erp_document: '4900000002', ...qty(10) })(90_000, 'erp.posting_succeeded', 'erp', {
    attempt: 2,
    erp_document: '4900000003',
    ...qty(10),
  })
  // reconciled: a 504, then the look-up found the posting: the same document reported twice is one posting.
  const reconciled = confirmation('rc-reconciled', 25, 'WO2', 5)
  reconciled.hop(30_000, 'erp.posting_succeeded', 'erp', { attempt: 1, erp_document: '4900000004', ...qty(5) })(60_000, 'erp.posting_succeeded', 'erp', {
    attempt: 2,
    erp_document: '4900000004',
    ...qty(5),
    attributes: { reconciled: 'true' },
  })
  // short: MES said 40, ERP confirmed 38.
  const short = confirmation('rc-short', 30, 'WO3', 40)
  short.hop(40_000, 'erp.posting_succeeded', 'erp', { attempt: 1, erp_document: '4900000005', ...qty(38) })
  // late: posted 12 min after the source event (SLA 5 min).
  const late = confirmation('rc-late', 40, 'WO3', 8)
  late.hop(12 * MIN, 'erp.posting_succeeded', 'erp', { attempt: 3, erp_document: '4900000006', ...qty(8) })
  // inflight: no posting yet, 2 min old at RECON_NOW: not a difference.
  const inflight = confirmation('rc-inflight', 238, 'WO4', 7)
  // stale: no posting, not parked, older than the SLA: never posted.
  const stale = txn('rc-stale', 50, 'goods_movement', 'WO5')
  stale.hop(0, 'inventory.material_consumed', 'mes', qty(3))(1_000, 'integration.message_received', 'hub')
  // movement: goods movement posted 4 min after the consumption (no quantity on the posting: not compared).
  const movement = txn('rc-movement', 60, 'goods_movement', 'WO5')
  movement.hop(0, 'inventory.material_consumed', 'mes', qty(3))(240_000, 'erp.posting_succeeded', 'erp', { attempt: 1, erp_document: '4900000007' })
  // WO1 is closed in ERP (TECO); WO3 runs on.
  const teco = txn('rc-teco-wo1', 100, 'work_order_release', 'WO1')
  teco.hop(0, 'plan.work_order_status_changed', 'erp', { attributes: { status: 'TECO' } })
  const events = [ok, missing, twice, reconciled, short, late, inflight, stale, movement, teco].flatMap((t) => t.events)
  // The MES confirmation of "ok" re-sent by its producer (same event id, new offset): must not count.
  const resent = { ...ok.events.find((e) => e.event_type === 'production.operation_confirmed')! }
  return { events, resent }
}
