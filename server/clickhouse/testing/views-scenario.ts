/**
 * Crafted hop events for views.test.ts and the expected answers computed from them in plain JS.
 * Expectations are derived from the unique events here, never copied from observed output, so a
 * wrong view definition makes the test fail.
 */
import { quantileExact } from '../../domain/quantile'
import { toChDateTime } from '../../domain/ch-time'
import { BUSINESS_KEY_TYPES } from '../../domain/trace-search'
import { hopBit } from '../queries/txn'
import type { HopEventInsert } from '../tables/hop-events'

/** The hop_events columns the scenarios set (the rest take their DEFAULT), every one given. */
export type FixtureEvent = Required<
  Pick<
    HopEventInsert,
    | 'event_id' | 'event_type' | 'occurred_at' | 'recorded_at' | 'origin_time' | 'ingested_at' | 'correlation_id'
    | 'idempotency_key' | 'trace_id' | 'flow' | 'hop' | 'status' | 'plant' | 'line' | 'work_order' | 'material' | 'lot'
    | 'shipment' | 'erp_document' | 'latency_ms' | 'attempt' | 'error_category' | 'error_code' | 'error_text'
    | 'error_retryable' | 'dependency_key' | 'replay_id' | 'attributes' | 'src_topic' | 'src_partition' | 'src_offset'
  >
>

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

/** Most recent Monday 00:00 UTC at least 4 h ago: the weekly-partition boundary the data spans. */
export function weekBoundary(now: Date): Date {
  const t = new Date(now.getTime() - 4 * HOUR)
  const day = (t.getUTCDay() + 6) % 7 // Monday = 0
  return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()) - day * DAY)
}

type Extra = Partial<Omit<FixtureEvent, 'event_id' | 'correlation_id' | 'plant' | 'flow' | 'origin_time'>>

function transaction(
  out: FixtureEvent[],
  t: { cid: string; plant: string; flow: string; line: string; origin: Date; keys?: Extra },
) {
  let seq = 0
  return (atMs: number, event_type: string, hop: string, extra: Extra = {}) => {
    const occurred = new Date(t.origin.getTime() + atMs)
    seq++
    out.push({
      event_id: `${t.cid}-${String(seq).padStart(2, '0')}`,
      event_type,
      occurred_at: occurred.toISOString(),
      recorded_at: new Date(occurred.getTime() + 250).toISOString(),
      origin_time: t.origin.toISOString(),
      ingested_at: '', // set per batch
      correlation_id: t.cid,
      idempotency_key: `${t.cid}-idem`,
      trace_id: '',
      flow: t.flow,
      hop,
      status: 'ok',
      plant: t.plant,
      line: t.line,
      work_order: '',
      material: '',
      lot: '',
      shipment: '',
      erp_document: '',
      latency_ms: null,
      attempt: 0,
      error_category: '',
      error_code: '',
      error_text: '',
      error_retryable: false,
      dependency_key: '',
      replay_id: '',
      attributes: {},
      src_topic: 'lt.telemetry',
      src_partition: 0,
      src_offset: '0',
      ...t.keys,
      ...extra,
    })
  }
}

export interface Scenario {
  monday: Date
  plants: [string, string]
  /** Unique events, in emission order. */
  events: FixtureEvent[]
}

export function makeScenario(now: Date): Scenario {
  const M = weekBoundary(now)
  const P1 = 'V101'
  const P2 = 'V102'
  const ev: FixtureEvent[] = []
  const at = (ms: number) => new Date(M.getTime() + ms)

  // A. happy path, first-pass posting (P1, Sunday evening)
  const a = transaction(ev, {
    cid: 'TX-A', plant: P1, flow: 'production_confirmation', line: 'L1', origin: at(-150 * MIN),
    keys: { work_order: 'WO-A', material: 'MAT-1', lot: 'LOT-A' },
  })
  a(0, 'shopfloor.production_counted', 'machine', { latency_ms: 5, attributes: { shift: 'B' } })
  a(2_000, 'production.operation_confirmed', 'mes', { latency_ms: 40 })
  a(3_000, 'integration.message_received', 'hub', { line: '', trace_id: 'trace-a' })
  a(3_100, 'integration.validated', 'hub', { line: '', trace_id: 'trace-a', latency_ms: 3 })
  a(3_200, 'integration.transformed', 'hub', { line: '', trace_id: 'trace-a', latency_ms: 8 })
  a(4_000, 'erp.posting_requested', 'erp', { attempt: 1 })
  a(5_000, 'erp.posting_succeeded', 'erp', { attempt: 1, latency_ms: 600, erp_document: 'DOC-A' })
  a(20_000, 'inventory.transfer_posted', 'wms', { latency_ms: 120 })

  // B. transient lock, auto-recovered on attempt 3 (P1)
  const b = transaction(ev, {
    cid: 'TX-B', plant: P1, flow: 'goods_movement', line: 'L2', origin: at(-100 * MIN),
    keys: { work_order: 'WO-B', material: 'MAT-2' },
  })
  b(0, 'shopfloor.operation_completed', 'machine', { latency_ms: 7 })
  b(1_000, 'erp.posting_requested', 'erp', { attempt: 1 })
  const lock = { error_category: 'transient', error_code: 'M3/897', error_text: 'Order WO-B is already being processed by BATCH', error_retryable: true }
  b(2_000, 'erp.posting_failed', 'erp', { attempt: 1, status: 'error', latency_ms: 900, ...lock })
  b(2_100, 'erp.retry_scheduled', 'hub', { attempt: 1, status: 'retrying' })
  b(32_000, 'erp.posting_requested', 'erp', { attempt: 2 })
  b(33_000, 'erp.posting_failed', 'erp', { attempt: 2, status: 'error', latency_ms: 850, ...lock })
  b(152_000, 'erp.posting_requested', 'erp', { attempt: 3 })
  b(153_000, 'erp.posting_succeeded', 'erp', { attempt: 3, latency_ms: 700, erp_document: 'DOC-B' })

  // C. period closed: dead-lettered, never posted (P2)
  const c = transaction(ev, {
    cid: 'TX-C', plant: P2, flow: 'production_confirmation', line: 'L1', origin: at(-60 * MIN),
    keys: { work_order: 'WO-C', material: 'MAT-1', lot: 'LOT-C' },
  })
  c(0, 'shopfloor.production_counted', 'machine', { latency_ms: 4 })
  c(1_500, 'production.operation_confirmed', 'mes', { latency_ms: 35 })
  c(2_500, 'integration.validated', 'hub', { line: '' })
  c(3_000, 'erp.posting_requested', 'erp', { attempt: 1 })
  const closed = { error_category: 'permanent', error_code: 'M7/053', error_text: 'Posting only possible in periods 2025/01 and 2024/12' }
  c(3_800, 'erp.posting_failed', 'erp', { attempt: 1, status: 'error', latency_ms: 450, ...closed })
  c(4_000, 'erp.posting_dead_lettered', 'hub', { attempt: 1, status: 'dead_lettered', line: '', ...closed })

  // D. stock deficit, then success: occurred_at crosses Monday 00:00 (two weekly partitions of
  //    event time; hop_events keeps it in the origin's partition) (P2)
  const d = transaction(ev, {
    cid: 'TX-D', plant: P2, flow: 'goods_movement', line: 'L3', origin: at(-2 * MIN),
    keys: { work_order: 'WO-D', material: 'MAT-3', lot: 'LOT-D', shipment: 'SHP-D' },
  })
  d(0, 'inventory.material_consumed', 'machine', { latency_ms: 9 })
  d(30_000, 'production.operation_confirmed', 'mes', { latency_ms: 30 })
  d(60_000, 'erp.posting_requested', 'erp', { attempt: 1 })
  d(70_000, 'erp.posting_failed', 'erp', {
    attempt: 1, status: 'error', latency_ms: 1_200, error_category: 'dependency', error_code: 'M7/021',
    error_text: 'Deficit of SL Unrestricted-use 5 PC : MAT-3 2000 1001', dependency_key: 'mat:MAT-3|plant:V102|sloc:1001', error_retryable: true,
  })
  d(240_000, 'erp.posting_requested', 'erp', { attempt: 2 })
  d(300_000, 'erp.posting_succeeded', 'erp', { attempt: 2, latency_ms: 1_500, erp_document: 'DOC-D' })
  d(360_000, 'inventory.transfer_posted', 'wms', { latency_ms: 200 })

  // E. partial posting, then a replay that posts (P1, Monday)
  const e = transaction(ev, {
    cid: 'TX-E', plant: P1, flow: 'production_confirmation', line: 'L1', origin: at(40 * MIN),
    keys: { work_order: 'WO-E', material: 'MAT-1' },
  })
  e(0, 'shopfloor.production_counted', 'machine', { latency_ms: 6 })
  e(1_000, 'erp.posting_requested', 'erp', { attempt: 1 })
  e(2_000, 'erp.posting_partially_succeeded', 'erp', {
    attempt: 1, status: 'partial', latency_ms: 800, erp_document: 'DOC-E1', error_category: 'partial', error_code: 'COGI',
  })
  e(30 * MIN, 'replay.requested', 'console', { replay_id: 'R-E1' })
  e(30 * MIN + 1_000, 'erp.posting_requested', 'erp', { attempt: 1, replay_id: 'R-E1' })
  e(30 * MIN + 2_000, 'erp.posting_succeeded', 'erp', { attempt: 1, replay_id: 'R-E1', latency_ms: 650, erp_document: 'DOC-E2' })

  // F. quality hold fan-out, no posting (P2, next hour); work order only known from the 2nd hop
  const f = transaction(ev, { cid: 'TX-F', plant: P2, flow: 'quality_hold', line: 'L2', origin: at(70 * MIN) })
  f(0, 'quality.hold_placed', 'qms', { lot: 'LOT-C' })
  f(20_000, 'quality.hold_applied', 'mes', { lot: 'LOT-C', work_order: 'WO-F', latency_ms: 20_000 })
  f(45_000, 'quality.hold_applied', 'wms', { lot: 'LOT-C', latency_ms: 45_000 })
  f(90_000, 'quality.hold_applied', 'erp', { lot: 'LOT-C', latency_ms: 90_000 })

  return { monday: M, plants: [P1, P2], events: ev }
}

// ---------------------------------------------------------------------------------------------
// Expected answers, from the unique events.

const ms = (iso: string) => new Date(iso).getTime()
const chTime = (iso: string) => toChDateTime(new Date(iso))
/** DateTime (seconds) text of a bucket start. */
const chBucket = (t: number) => toChDateTime(new Date(t)).slice(0, 19)
const isSuccess = (e: FixtureEvent) => e.event_type === 'erp.posting_succeeded'
const replayed = (e: FixtureEvent) => e.replay_id !== ''

/** The txn_keys rows of one event: its non-empty business keys. */
export function keysOf(e: FixtureEvent): Array<[string, string]> {
  return BUSINESS_KEY_TYPES.filter((k) => e[k] !== '').map((k) => [k, e[k]])
}

export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>()
  for (const it of items) {
    const k = key(it)
    const list = m.get(k)
    if (list) list.push(it)
    else m.set(k, [it])
  }
  return m
}

/** (time, event_id) ordering used by argMax in the views. */
function latest(events: FixtureEvent[], rank: (e: FixtureEvent) => number = () => 0): FixtureEvent {
  return events.reduce((best, e) => {
    const a = [rank(e), ms(e.occurred_at)] as const
    const b = [rank(best), ms(best.occurred_at)] as const
    if (a[0] !== b[0]) return a[0] > b[0] ? e : best
    if (a[1] !== b[1]) return a[1] > b[1] ? e : best
    return e.event_id > best.event_id ? e : best
  })
}

export function expectedTxnSummary(events: FixtureEvent[]) {
  return [...groupBy(events, (e) => e.correlation_id).values()]
    .map((list) => {
      const first = list[0]!
      const successes = list.filter(isSuccess)
      const nonEmpty = (k: 'work_order' | 'material' | 'line') => latest(list, (e) => (e[k] !== '' ? 1 : 0))[k]
      return {
        plant: first.plant,
        flow: first.flow,
        origin_time: chTime(first.origin_time),
        correlation_id: first.correlation_id,
        first_seen: chTime(list.reduce((m, e) => (ms(e.occurred_at) < ms(m.occurred_at) ? e : m)).occurred_at),
        last_seen: chTime(list.reduce((m, e) => (ms(e.occurred_at) > ms(m.occurred_at) ? e : m)).occurred_at),
        max_attempt: Math.max(...list.map((e) => e.attempt)),
        stages_seen: list.reduce((bits, e) => bits | hopBit(e.hop), 0),
        has_error: list.some((e) => e.error_category !== '') ? 1 : 0,
        error_categories: [...new Set(list.map((e) => e.error_category).filter(Boolean))].sort(),
        last_status: latest(list).status,
        last_event_type: latest(list).event_type,
        last_hop: latest(list).hop,
        posting_requested: list.some((e) => e.event_type === 'erp.posting_requested') ? 1 : 0,
        posted: successes.length > 0 ? 1 : 0,
        first_posted_at: successes.length ? chTime(successes.reduce((m, e) => (ms(e.occurred_at) < ms(m.occurred_at) ? e : m)).occurred_at) : null,
        first_attempt_ok: successes.some((e) => e.attempt === 1 && !replayed(e)) ? 1 : 0,
        had_transient: list.some((e) => e.error_category === 'transient') ? 1 : 0,
        dead_lettered: list.some((e) => e.status === 'dead_lettered') ? 1 : 0,
        replayed: list.some(replayed) ? 1 : 0,
        erp_documents: [...new Set(successes.map((e) => e.erp_document).filter(Boolean))].sort(),
        events: list.length,
        work_order: nonEmpty('work_order'),
        material: nonEmpty('material'),
        line: nonEmpty('line'),
      }
    })
    .sort((x, y) => x.correlation_id.localeCompare(y.correlation_id))
}

export function expectedFlowKpi(events: FixtureEvent[], step: number) {
  const bucketOf = (e: FixtureEvent) => Math.floor(ms(e.origin_time) / step) * step
  const groups = groupBy(events, (e) => JSON.stringify([e.plant, bucketOf(e), e.flow, e.hop, e.line]))
  return [...groups.values()]
    .map((list) => {
      const e0 = list[0]!
      const n = (p: (e: FixtureEvent) => boolean) => list.filter(p).length
      const latencies = list.map((e) => e.latency_ms).filter((v): v is number => v !== null)
      return {
        plant: e0.plant,
        bucket: chBucket(bucketOf(e0)),
        flow: e0.flow,
        hop: e0.hop,
        line: e0.line,
        events: list.length,
        errors: n((e) => e.error_category !== ''),
        errors_transient: n((e) => e.error_category === 'transient'),
        errors_dependency: n((e) => e.error_category === 'dependency'),
        errors_permanent: n((e) => e.error_category === 'permanent'),
        errors_partial: n((e) => e.error_category === 'partial'),
        dead_lettered: n((e) => e.status === 'dead_lettered'),
        posting_requests: n((e) => e.event_type.endsWith('.posting_requested')),
        posting_successes: n((e) => e.event_type.endsWith('.posting_succeeded')),
        posting_first_attempt_successes: n((e) => e.event_type.endsWith('.posting_succeeded') && e.attempt === 1 && !replayed(e)),
        posting_failures: n((e) => e.event_type.endsWith('.posting_failed')),
        latency_max: latencies.length ? Math.max(...latencies) : null,
        latency_min: latencies.length ? Math.min(...latencies) : null,
      }
    })
    .sort((x, y) => JSON.stringify([x.plant, x.bucket, x.flow, x.hop, x.line]).localeCompare(JSON.stringify([y.plant, y.bucket, y.flow, y.hop, y.line])))
}

export function expectedE2eTransactions(events: FixtureEvent[]) {
  return [...groupBy(events.filter(isSuccess), (e) => e.correlation_id).values()]
    .map((list) => {
      const first = list.reduce((m, e) => (ms(e.occurred_at) < ms(m.occurred_at) ? e : m))
      return {
        plant: first.plant,
        flow: first.flow,
        origin_hour: chBucket(Math.floor(ms(first.origin_time) / HOUR) * HOUR),
        correlation_id: first.correlation_id,
        e2e_ms: ms(first.occurred_at) - ms(first.origin_time),
        first_posted_at: chTime(first.occurred_at),
      }
    })
    .sort((x, y) => x.correlation_id.localeCompare(y.correlation_id))
}


export function expectedE2eLatency(events: FixtureEvent[]) {
  const txns = expectedE2eTransactions(events)
  return [...groupBy(txns, (t) => JSON.stringify([t.plant, t.flow])).values()]
    .map((list) => {
      const values = list.map((t) => t.e2e_ms)
      return {
        plant: list[0]!.plant,
        flow: list[0]!.flow,
        transactions: list.length,
        p50_ms: quantileExact(values, 0.5)!,
        p95_ms: quantileExact(values, 0.95)!,
        max_ms: Math.max(...values),
      }
    })
    .sort((x, y) => (x.plant + x.flow).localeCompare(y.plant + y.flow))
}

export function expectedTxnKeys(events: FixtureEvent[]) {
  const set = new Set<string>()
  for (const e of events) {
    for (const [type, value] of keysOf(e)) set.add(JSON.stringify([type, value, e.correlation_id, e.plant, chTime(e.origin_time)]))
  }
  return [...set].sort().map((s) => JSON.parse(s) as [string, string, string, string, string])
}

/** Distinct events per plant with origin_time in the whole minutes overlapping [from, to). */
export function expectedHopCounts(events: FixtureEvent[], from: Date, to: Date) {
  const lo = Math.floor(from.getTime() / MIN) * MIN
  const hi = Math.ceil(to.getTime() / MIN) * MIN
  const inWindow = events.filter((e) => {
    const b = Math.floor(ms(e.origin_time) / MIN) * MIN
    return b >= lo && b < hi
  })
  return [...groupBy(inWindow, (e) => e.plant).entries()]
    .map(([plant, list]) => ({ plant, events: new Set(list.map((e) => e.event_id)).size }))
    .sort((x, y) => x.plant.localeCompare(y.plant))
}
