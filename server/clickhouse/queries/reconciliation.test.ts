import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../client'
import { migrateClickHouse } from '../migrate'
import { openTestClickHouse } from '../testing'
import { insertHopEvents } from '../testing/hour-stats-events'
import { makeReconEvents, RECON_DAY, RECON_NOW, RECON_PLANT, RECON_STATE, RECON_T0 } from '../testing/recon-events'
import { insertHopEvents as insertMore } from '../testing/hour-stats-events'
import { reconSummary, reconTransactions } from './reconciliation'
import { reconKpis } from './reconciliation-kpis'
import { reconSummaryByHours } from './reconciliation-hours'

/**
 * Reconciliation on real ClickHouse (chDB) over crafted events: a missing posting, a double posting,
 * a quantity mismatch, a late posting, a reconciled retry and a re-sent duplicate that must not count.
 */

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse

const window = { plant: RECON_PLANT, from: RECON_T0, to: RECON_NOW, state: RECON_STATE, timeZone: 'UTC' }
const byId = async (kinds?: Parameters<typeof reconTransactions>[1]['kinds']) =>
  new Map((await reconTransactions(ch, { ...window, kinds, limit: 100 })).map((r) => [r.correlation_id, r]))

beforeAll(async () => {
  engine = openTestClickHouse('recon')
  ch = engine.ch
  await migrateClickHouse(ch)
  const { events, resent } = makeReconEvents()
  await insertHopEvents(ch, events)
  // The re-send arrives in a later insert (a new Kafka offset), as a producer retry would.
  await insertHopEvents(ch, [resent])
  // The same differences in another plant: none of them may show in RECON_PLANT's reconciliation.
  const other = makeReconEvents({ plant: 'R999' }).events
  await insertHopEvents(ch, other.map((e) => ({ ...e, event_id: `other-${e.event_id}`, correlation_id: `other-${e.correlation_id}` })))
}, 120_000)
afterAll(() => engine.dispose())

describe('reconciliation transactions', () => {
  it('lists each difference with its kinds, and nothing for clean, reconciled or in-flight transactions', async () => {
    const rows = await byId()
    expect(new Map([...rows].map(([id, r]) => [id, r.kinds]))).toEqual(
      new Map([
        ['rc-missing', ['never_posted']],
        // two documents of 10 each: ERP confirmed 20 for the 10 the MES sent
        ['rc-twice', ['posted_twice', 'quantity_differs']],
        ['rc-short', ['quantity_differs']],
        ['rc-late', ['posted_late']],
        ['rc-stale', ['never_posted']],
      ]),
    )
  })

  it('carries the numbers behind each difference', async () => {
    const rows = await byId()
    expect(rows.get('rc-short')).toMatchObject({ source_qty: 40, erp_qty: 38, documents: ['4900000005'], flow: 'production_confirmation', work_order: 'WO3' })
    expect(rows.get('rc-twice')!.documents.sort()).toEqual(['4900000002', '4900000003'])
    expect(rows.get('rc-late')).toMatchObject({ delay_ms: 12 * 60_000, sla_ms: 5 * 60_000 })
    expect(rows.get('rc-missing')).toMatchObject({ first_posted_at: null, parked: 1, source_qty: 12, erp_qty: null })
    expect(rows.get('rc-stale')).toMatchObject({ parked: 0 })
  })

  it('filters by kind and pages newest first without gaps or repeats', async () => {
    expect([...(await byId(['never_posted'])).keys()].sort()).toEqual(['rc-missing', 'rc-stale'])
    const seen: string[] = []
    let after: { originTime: string; correlationId: string } | undefined
    for (;;) {
      const page = await reconTransactions(ch, { ...window, limit: 2, after })
      seen.push(...page.slice(0, 2).map((r) => r.correlation_id))
      if (page.length <= 2) break
      const last = page[1]!
      after = { originTime: last.origin_time, correlationId: last.correlation_id }
    }
    expect(seen).toEqual(['rc-stale', 'rc-late', 'rc-short', 'rc-twice', 'rc-missing'])
  })

  it('treats a transaction within its SLA as in flight until the SLA has passed', async () => {
    const later = { ...RECON_STATE, now: new Date(RECON_NOW.getTime() + 10 * 60_000) }
    const rows = new Map((await reconTransactions(ch, { ...window, to: later.now, state: later, limit: 100 })).map((r) => [r.correlation_id, r]))
    expect(rows.get('rc-inflight')?.kinds).toEqual(['never_posted'])
  })
})

describe('reconciliation summary', () => {
  it('counts source transactions and quantities against ERP postings per day and flow; the re-send counts once', async () => {
    const rows = await reconSummary(ch, window)
    expect(rows).toEqual([
      {
        day: RECON_DAY,
        flow: 'goods_movement',
        transactions: 2,
        posted: 1,
        in_flight: 0,
        documents: 1,
        source_qty: 6,
        erp_qty: 0,
        never_posted: 1,
        posted_twice: 0,
        quantity_differs: 0,
        posted_late: 0,
      },
      {
        day: RECON_DAY,
        flow: 'production_confirmation',
        transactions: 7,
        posted: 5,
        in_flight: 1,
        documents: 6,
        // 40 (ok, re-sent once: still 40) + 12 + 10 + 5 + 40 + 8 + 7
        source_qty: 122,
        // 40 + 10 + 10 (two documents) + 5 (one document, reported twice) + 38 + 8
        erp_qty: 111,
        never_posted: 1,
        posted_twice: 1,
        quantity_differs: 2,
        posted_late: 1,
      },
    ])
  })

  it('groups by the plant-local day', async () => {
    // Honolulu is UTC−10: sources from 08:00 to 09:40 UTC fall on the day before there, the in-flight one (11:58 UTC) on the day itself.
    const rows = await reconSummary(ch, { ...window, timeZone: 'Pacific/Honolulu' })
    const txns = (day: string) => rows.filter((r) => r.day === day).reduce((n, r) => n + r.transactions, 0)
    const dayBefore = new Date(Date.parse(RECON_DAY) - 86_400_000).toISOString().slice(0, 10)
    expect([txns(dayBefore), txns(RECON_DAY)]).toEqual([8, 1])
  })

  it('narrows to one flow', async () => {
    const rows = await reconSummary(ch, { ...window, flows: ['goods_movement'] })
    expect(rows.map((r) => r.flow)).toEqual(['goods_movement'])
  })
})

describe('reconciliation KPIs', () => {
  it('gives the quantity gap per work order at close and running, and the inventory posting delay', async () => {
    const k = await reconKpis(ch, { plant: RECON_PLANT, from: RECON_T0, to: RECON_NOW, state: RECON_STATE })
    // WO1 closed: 40 + 12 sent, 40 posted (12 never posted) → 12/52 = 23.08 %.
    expect(k.closed_orders).toBe(1)
    expect(k.closed_with_gap).toBe(1)
    expect(k.closed_max_gap_pct).toBeCloseTo((100 * 12) / 52, 6)
    // Running: WO2 (15 sent, 15 + 10 posted: 66.7 %), WO3 (48 sent, 46 posted: 4.17 %); WO4 is in flight (left out).
    expect(k.running_orders).toBe(2)
    expect(k.running_with_gap).toBe(2)
    expect(k.running_max_gap_pct).toBeCloseTo((100 * 10) / 15, 6)
    // One posted goods movement, 4 min after the consumption.
    expect(k).toMatchObject({ movements: 1, delay_p95_ms: 240_000, delay_max_ms: 240_000 })
  })
})

describe('reconciliation summary from stored hours', () => {
  it('gives the numbers of the live summary, then follows late events into their hour', async () => {
    const live = await reconSummary(ch, window)
    expect(await reconSummaryByHours(ch, window)).toEqual(live)
    // Stored now: a second read computes nothing and still agrees, also at another time zone and flow.
    expect(await reconSummaryByHours(ch, { ...window, timeZone: 'Pacific/Honolulu' })).toEqual(await reconSummary(ch, { ...window, timeZone: 'Pacific/Honolulu' }))
    expect(await reconSummaryByHours(ch, { ...window, flows: ['goods_movement'] })).toEqual(await reconSummary(ch, { ...window, flows: ['goods_movement'] }))
    // The stale goods movement gets its posting late: its hour is stale and recomputed on the next read.
    await insertMore(ch, [
      {
        event_id: 'rc-stale-posted',
        event_type: 'erp.posting_succeeded',
        occurred_at: new Date(RECON_T0.getTime() + 80 * 60_000).toISOString(),
        origin_time: new Date(RECON_T0.getTime() + 50 * 60_000).toISOString(),
        correlation_id: 'rc-stale',
        flow: 'goods_movement',
        hop: 'erp',
        status: 'ok',
        plant: RECON_PLANT,
        erp_document: '4900000099',
        attempt: 1,
      },
    ])
    const after = await reconSummaryByHours(ch, window)
    expect(after).toEqual(await reconSummary(ch, window))
    expect(after.find((r) => r.flow === 'goods_movement')).toMatchObject({ posted: 2, never_posted: 0, posted_late: 1 })
  })
})
