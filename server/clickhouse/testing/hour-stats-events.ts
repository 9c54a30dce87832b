import type { ClickHouse } from '../client'
import { chInsert } from '../exec'
import { recentDay } from '../../testing/recent-day'

/**
 * Crafted hop events for the hour statistics' tests (server/clickhouse/queries/hour-stats.test.ts
 * and the worker's, ingest/rollups/hour-stats.test.ts): five goods movements and one production
 * count over three origin hours of plant `PLANT`, each case commented with what it exercises.
 */

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = recentDay(2)
export const NOW = new Date(`${DAY}T12:30:00.000Z`)
export const H0 = new Date(`${DAY}T09:00:00.000Z`)
export const PLANT = 'HS1'
export const STATE = { now: NOW, slas: [], defaultSlaMs: 5 * MIN }

export type Ev = Record<string, unknown>

let seq = 0
let offset = 0

/** One transaction's events from `originMs` after H0: `hop(atMs, event_type, hop, extra)` adds one and chains. */
export function makeTxn(cid: string, originMs: number, line: string, flow = 'goods_movement', plant = PLANT) {
  const origin = new Date(H0.getTime() + originMs)
  const events: Ev[] = []
  const hop = (atMs: number, event_type: string, h: string, extra: Ev = {}) => {
    events.push({ event_id: `${cid}-${++seq}`, event_type, occurred_at: new Date(origin.getTime() + atMs).toISOString(), origin_time: origin.toISOString(), correlation_id: cid, flow, hop: h, status: 'ok', plant, line, ...extra })
    return hop
  }
  return { events, hop }
}

export function makeHourStatsEvents(): Ev[] {
  // a1: posted at attempt 1 after 60 s. a2: transient failure, posted at attempt 2 after 120 s.
  const a1 = makeTxn('hs-a1', 5 * MIN, 'L1')
  a1.hop(0, 'inventory.material_consumed', 'machine')(10_000, 'erp.posting_requested', 'erp', { attempt: 1 })(60_000, 'erp.posting_succeeded', 'erp', { attempt: 1, erp_document: 'D1', latency_ms: 400 })
  const a2 = makeTxn('hs-a2', 10 * MIN, 'L2')
  a2.hop(0, 'inventory.material_consumed', 'machine')(10_000, 'erp.posting_requested', 'erp', { attempt: 1 })(20_000, 'erp.posting_failed', 'erp', {
    attempt: 1,
    status: 'retrying',
    error_category: 'transient',
  })(120_000, 'erp.posting_succeeded', 'erp', { attempt: 2, erp_document: 'D2', latency_ms: 900 })
  // a3: dead-lettered in hour 1. a4: a source event only, hours old: stuck.
  const a3 = makeTxn('hs-a3', HOUR + 5 * MIN, 'L1')
  a3.hop(0, 'inventory.material_consumed', 'machine')(10_000, 'erp.posting_requested', 'erp', { attempt: 1 })(20_000, 'erp.posting_dead_lettered', 'erp', {
    attempt: 1,
    status: 'dead_lettered',
    error_category: 'permanent',
  })
  const a4 = makeTxn('hs-a4', HOUR + 20 * MIN, 'L1')
  a4.hop(0, 'inventory.material_consumed', 'machine')
  // a5: starts in hour 1, posted 20 min later, in hour 2: its E2E stays in hour 1, its outflow is hour 2's.
  const a5 = makeTxn('hs-a5', HOUR + 50 * MIN, 'L2')
  a5.hop(0, 'inventory.material_consumed', 'machine')(60_000, 'erp.posting_requested', 'erp', { attempt: 1 })(20 * MIN, 'erp.posting_succeeded', 'erp', { attempt: 1, erp_document: 'D5' })
  // Production on L1 in hour 2: 80 good + 20 scrap.
  const p = makeTxn('hs-p1', 2 * HOUR + 5 * MIN, 'L1', 'production_confirmation')
  p.hop(0, 'shopfloor.production_counted', 'machine', { qty_good: 80, qty_scrap: 20, attributes: { ideal_cycle_time_ms: '20000' } })
  return [...a1.events, ...a2.events, ...a3.events, ...a4.events, ...a5.events, ...p.events]
}

/** Writes hop events as the worker would, each at the next Kafka offset (a re-send gets a new one). */
export const insertHopEvents = (ch: ClickHouse, rows: Ev[]) => chInsert(ch, { table: 'hop_events', rows: rows.map((r) => ({ ...r, src_offset: ++offset })) })
