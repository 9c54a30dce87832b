import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../client'
import { chInsert } from '../exec'
import { migrateClickHouse } from '../migrate'
import { openTestClickHouse } from '../testing'
import { txnSummaries } from './txn'
import { txnSlaMs } from './txn-state'
import { recentDay } from '../../testing/recent-day'

/**
 * The state vocabulary on real ClickHouse: one crafted transaction per state, judged against
 * per-plant/flow SLAs, with a re-sent hop that must change nothing.
 */

const MIN = 60_000
const NOW = new Date(`${recentDay(2)}T12:00:00.000Z`)
const PLANT = 'ST1'

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse

interface Hop {
  type: string
  hop: string
  status: string
  atMin: number
  category?: string
  attempt?: number
  replay?: string
}

let seq = 0
function txn(cid: string, flow: string, originMinAgo: number, hops: Hop[]) {
  const origin = new Date(NOW.getTime() - originMinAgo * MIN)
  return hops.map((h) => ({
    event_id: `${cid}-${++seq}`,
    event_type: h.type,
    occurred_at: new Date(origin.getTime() + h.atMin * MIN).toISOString(),
    origin_time: origin.toISOString(),
    correlation_id: cid,
    flow,
    hop: h.hop,
    status: h.status,
    plant: PLANT,
    attempt: h.attempt ?? 0,
    error_category: h.category ?? '',
    replay_id: h.replay ?? '',
  }))
}

const counted: Hop = { type: 'shopfloor.production_counted', hop: 'machine', status: 'ok', atMin: 0 }
const requested: Hop = { type: 'erp.posting_requested', hop: 'erp', status: 'ok', atMin: 1, attempt: 1 }

const rows = [
  ...txn('POSTED', 'production_confirmation', 30, [counted, requested, { type: 'erp.posting_succeeded', hop: 'erp', status: 'ok', atMin: 2, attempt: 1 }]),
  ...txn('FRESH', 'production_confirmation', 2, [counted]),
  ...txn('OLD', 'production_confirmation', 20, [counted]),
  ...txn('RETRY', 'production_confirmation', 3, [
    counted,
    { type: 'erp.posting_failed', hop: 'erp', status: 'error', atMin: 1, category: 'transient', attempt: 1 },
    { type: 'erp.retry_scheduled', hop: 'hub', status: 'retrying', atMin: 1.1, attempt: 1 },
  ]),
  ...txn('WAIT', 'goods_movement', 3, [
    counted,
    { type: 'erp.posting_failed', hop: 'erp', status: 'error', atMin: 1, category: 'dependency', attempt: 1 },
    { type: 'erp.retry_scheduled', hop: 'hub', status: 'retrying', atMin: 1.1, attempt: 1 },
  ]),
  ...txn('DLQ', 'production_confirmation', 60, [
    counted,
    { type: 'erp.posting_failed', hop: 'erp', status: 'error', atMin: 1, category: 'permanent', attempt: 1 },
    { type: 'erp.posting_dead_lettered', hop: 'hub', status: 'dead_lettered', atMin: 1.1, category: 'permanent' },
  ]),
  ...txn('REPLAYING', 'production_confirmation', 3, [
    counted,
    { type: 'erp.posting_dead_lettered', hop: 'hub', status: 'dead_lettered', atMin: 1, category: 'permanent' },
    { type: 'integration.message_received', hop: 'hub', status: 'ok', atMin: 2, replay: 'R1' },
  ]),
  ...txn('PARTIAL', 'production_confirmation', 60, [
    counted,
    { type: 'erp.posting_partially_succeeded', hop: 'erp', status: 'partial', atMin: 1, category: 'partial', attempt: 1 },
  ]),
  ...txn('HOLD', 'quality_hold', 60, [
    { type: 'quality.hold_placed', hop: 'qms', status: 'ok', atMin: 0 },
    { type: 'quality.hold_applied', hop: 'mes', status: 'ok', atMin: 1 },
  ]),
  // Same age as OLD, but its flow has a 30-minute SLA.
  ...txn('SLOW_FLOW_OK', 'shipment', 20, [{ type: 'shipment.loaded', hop: 'wms', status: 'ok', atMin: 0 }]),
]

beforeAll(async () => {
  engine = openTestClickHouse('txn-state')
  ch = engine.ch
  await migrateClickHouse(ch)
  await chInsert(ch, { table: 'hop_events', rows })
  // A re-sent copy of OLD's only hop (new insert): must not change its state or event count.
  await chInsert(ch, { table: 'hop_events', rows: rows.filter((r) => r.correlation_id === 'OLD') })
})

afterAll(async () => {
  await engine.dispose()
})

describe('transaction state', () => {
  it('classifies each transaction in the one vocabulary, against its plant/flow SLA', async () => {
    const list = await txnSummaries(ch, {
      plants: [PLANT],
      from: new Date(NOW.getTime() - 2 * 3_600_000),
      to: NOW,
      state: { now: NOW, defaultSlaMs: 5 * MIN, slas: [{ plant: PLANT, flow: 'shipment', ms: 30 * MIN }] },
    })
    const states = Object.fromEntries(list.map((r) => [r.correlation_id, r.state]))
    expect(states).toEqual({
      POSTED: 'posted',
      FRESH: 'in_progress',
      OLD: 'stuck',
      RETRY: 'retrying',
      WAIT: 'waiting',
      DLQ: 'dead_lettered',
      REPLAYING: 'in_progress',
      PARTIAL: 'partial',
      HOLD: 'posted',
      SLOW_FLOW_OK: 'in_progress',
    })
    const old = list.find((r) => r.correlation_id === 'OLD')!
    expect(Number(old.events)).toBe(1)
    expect(Number(list.find((r) => r.correlation_id === 'SLOW_FLOW_OK')!.sla_ms)).toBe(30 * MIN)
  })

  it('a plant-wide SLA entry applies to flows without their own', async () => {
    const list = await txnSummaries(ch, {
      plants: [PLANT],
      from: new Date(NOW.getTime() - 2 * 3_600_000),
      to: NOW,
      state: { now: NOW, defaultSlaMs: 5 * MIN, slas: [{ plant: PLANT, flow: '*', ms: 25 * MIN }] },
    })
    expect(list.find((r) => r.correlation_id === 'OLD')!.state).toBe('in_progress')
    expect(list.find((r) => r.correlation_id === 'DLQ')!.state).toBe('dead_lettered')
  })

  it('txnSlaMs gives the SLA the SQL gives each transaction: flow entry, then plant-wide, then the default', async () => {
    const slas = [
      { plant: PLANT, flow: 'shipment', ms: 30 * MIN },
      { plant: PLANT, flow: '*', ms: 25 * MIN },
      { plant: 'OTHER', flow: 'goods_movement', ms: 7 * MIN },
    ]
    for (const state of [
      { now: NOW, defaultSlaMs: 5 * MIN, slas },
      { now: NOW, defaultSlaMs: 5 * MIN, slas: slas.filter((s) => s.flow !== '*') },
    ]) {
      const list = await txnSummaries(ch, { plants: [PLANT], from: new Date(NOW.getTime() - 2 * 3_600_000), to: NOW, state })
      expect(new Set(list.map((r) => r.flow)).size).toBeGreaterThan(1)
      for (const r of list) expect({ flow: r.flow, ms: txnSlaMs(state, PLANT, r.flow) }).toEqual({ flow: r.flow, ms: Number(r.sla_ms) })
    }
    expect(txnSlaMs({ now: NOW, defaultSlaMs: 5 * MIN, slas }, 'OTHER', 'goods_movement')).toBe(7 * MIN)
    expect(txnSlaMs({ now: NOW, defaultSlaMs: 5 * MIN, slas }, 'OTHER', 'shipment')).toBe(5 * MIN)
  })
})
