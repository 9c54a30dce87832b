import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../client'
import { chQuery } from '../exec'
import { migrateClickHouse } from '../migrate'
import { openTestClickHouse } from '../testing'
import { insertHopEvents, makeTxn, type Ev } from '../testing/hour-stats-events'
import { reconKpisRawScan } from '../testing/recon-kpis-raw'
import { makeReconEvents, RECON_NOW, RECON_PLANT, RECON_STATE, RECON_T0 } from '../testing/recon-events'
import { reconKpiPeriods, reconKpis } from './reconciliation-kpis'
import type { TxnStateParams } from './txn-state'

/**
 * The reconciliation KPIs from stored per-hour sets (recon_kpi_hour) against the scan of every
 * transaction (testing/recon-kpis-raw.ts) on crafted events: the reconciliation set (missing,
 * double, short, late postings, a re-sent duplicate), movements and confirmations spread over four
 * hours, then late events and more re-sends. Windows aligned to hours and not, within one hour,
 * read at later times and under another SLA: the numbers must be the same every time.
 */

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
let spread: Ev[]
const MIN = 60_000
const at = (min: number) => new Date(RECON_T0.getTime() + min * MIN)
const qty = (good: number) => ({ qty_good: good, uom: 'PC' })

/** Posted goods movements and transfers (delays 37 s … 7.4 min) and confirmations of WO2/WO3: posted, open, parked. */
function spreadEvents(): Ev[] {
  const events: Ev[] = []
  // makeTxn places origins after 09:00, RECON_T0 + 1 h.
  for (let i = 0; i < 12; i++) {
    const flow = i % 2 ? 'inventory_transfer' : 'goods_movement'
    const t = makeTxn(`kpi-mv-${i}`, i * 13 * MIN, 'L1', flow, RECON_PLANT)
    t.hop(0, i % 2 ? 'inventory.transfer_posted' : 'inventory.material_produced', 'wms', qty(2))((i + 1) * 37_000, 'erp.posting_succeeded', 'erp', { attempt: 1, erp_document: `49K${i}` })
    events.push(...t.events)
  }
  for (let i = 0; i < 6; i++) {
    const t = makeTxn(`kpi-wo-${i}`, i * 29 * MIN + 7_000, 'L1', 'production_confirmation', RECON_PLANT)
    const wo = i % 2 ? 'WO2' : 'WO3'
    t.hop(0, 'production.operation_confirmed', 'mes', { ...qty(10 + i), work_order: wo })
    if (i % 3 === 0) t.hop(50_000, 'erp.posting_succeeded', 'erp', { attempt: 1, erp_document: `49W${i}`, ...qty(9 + i), work_order: wo })
    if (i === 4) t.hop(20_000, 'erp.posting_dead_lettered', 'hub', { status: 'dead_lettered', error_category: 'permanent', work_order: wo })
    events.push(...t.events)
  }
  return events
}

const windows: Array<[string, Date, Date]> = [
  ['whole hours', RECON_T0, RECON_NOW],
  ['partial hours at both edges', at(17), at(233)],
  ['within one hour', at(20), at(50)],
  ['across one hour boundary, no whole hour inside', at(50), at(70)],
  ['edges only inside stored hours', at(61), at(179)],
]

/** Each window alone, and with the previous period it ends (read together, in one query). */
const periods: Array<[string, Date, Date, Date]> = [
  ['two periods of whole hours', RECON_T0, at(120), RECON_NOW],
  ['split inside an hour', at(13), at(127), at(241)],
  ['short periods, all live', at(45), at(55), at(65)],
]

async function expectSameEverywhere(state: TxnStateParams = RECON_STATE) {
  for (const [name, from, to] of windows) {
    const w = { plant: RECON_PLANT, from, to, state }
    expect({ name, kpis: await reconKpis(ch, w) }).toEqual({ name, kpis: await reconKpisRawScan(ch, w) })
  }
  for (const [name, previousFrom, from, to] of periods) {
    const both = await reconKpiPeriods(ch, { plant: RECON_PLANT, previousFrom, from, to, state })
    const raw = {
      current: await reconKpisRawScan(ch, { plant: RECON_PLANT, from, to, state }),
      previous: await reconKpisRawScan(ch, { plant: RECON_PLANT, from: previousFrom, to: from, state }),
    }
    expect({ name, kpis: both }).toEqual({ name, kpis: raw })
  }
}

beforeAll(async () => {
  engine = openTestClickHouse('recon-kpis')
  ch = engine.ch
  await migrateClickHouse(ch)
  const { events, resent } = makeReconEvents()
  spread = spreadEvents()
  await insertHopEvents(ch, [...events, ...spread])
  await insertHopEvents(ch, [resent])
  const other = makeReconEvents({ plant: 'R998' }).events
  await insertHopEvents(ch, other.map((e) => ({ ...e, event_id: `o-${e.event_id}`, correlation_id: `o-${e.correlation_id}` })))
}, 120_000)
afterAll(() => engine.dispose())

describe('reconciliation KPIs from stored hours', () => {
  it('equal the scan of every transaction, for windows aligned to hours or not', async () => {
    await expectSameEverywhere()
    const k = await reconKpis(ch, { plant: RECON_PLANT, from: RECON_T0, to: RECON_NOW, state: RECON_STATE })
    // Not trivially equal: orders at close and running, 13 posted movements (the crafted one and 12 spread).
    expect(k).toMatchObject({ closed_orders: 1, running_orders: 2, movements: 13, delay_max_ms: 12 * 37_000 })
    const { rows } = await chQuery<{ n: number }>(ch, { name: 'test.storedSets', sql: `SELECT count() AS n FROM ${ch.database}.recon_kpi_hour WHERE plant = 'RC1' AND work_order = ''` })
    expect(Number(rows[0]!.n)).toBe(4)
  })

  it('judge open confirmations at the time of the read and against the SLA of the read, not of the store', async () => {
    const later = { ...RECON_STATE, now: new Date(RECON_NOW.getTime() + 10 * MIN) }
    await expectSameEverywhere(later)
    // The in-flight WO4 confirmation is "never posted" 12 min after its source: WO4 counts as an order now.
    const k = await reconKpis(ch, { plant: RECON_PLANT, from: RECON_T0, to: later.now, state: later })
    expect(k.running_orders).toBe(3)
    const lenient = { ...RECON_STATE, slas: [{ plant: RECON_PLANT, flow: 'production_confirmation', ms: 3 * 3_600_000 }] }
    await expectSameEverywhere(lenient)
  })

  it('follow late events into their stored hour, and count a re-sent event once', async () => {
    const before = await reconKpis(ch, { plant: RECON_PLANT, from: RECON_T0, to: RECON_NOW, state: RECON_STATE })
    const late: Ev[] = [
      // the stale goods movement (08:50) posts late: one more movement, in an hour stored already
      {
        event_id: 'kpi-late-post',
        event_type: 'erp.posting_succeeded',
        occurred_at: at(80).toISOString(),
        origin_time: at(50).toISOString(),
        correlation_id: 'rc-stale',
        flow: 'goods_movement',
        hop: 'erp',
        status: 'ok',
        plant: RECON_PLANT,
        erp_document: '4900000099',
        attempt: 1,
      },
    ]
    // …and every event of the spread set re-sent by its producers (new offsets, same event ids).
    await insertHopEvents(ch, [...late, ...spread])
    const after = await reconKpis(ch, { plant: RECON_PLANT, from: RECON_T0, to: RECON_NOW, state: RECON_STATE })
    // posted 30 min after the movement: the new maximum; the re-sent events change nothing
    expect(after).toEqual({ ...before, movements: before.movements + 1, delay_p95_ms: after.delay_p95_ms, delay_max_ms: 30 * MIN })
    await expectSameEverywhere()
  })
})

