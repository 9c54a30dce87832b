import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from './client'
import { chCommand, chInsert, chQuery } from './exec'
import { migrateClickHouse } from './migrate'
import { flowKpi, e2eLatency, e2eTransactions, type FlowKpiRow } from './queries/kpi'
import { hopCountsByPlant } from './queries/overview'
import { traceByCorrelationId, txnsByKey, type KeyType } from './queries/trace'
import { txnSummaries } from './queries/txn'
import { openTestClickHouse } from './testing'
import {
  expectedE2eLatency,
  expectedE2eTransactions,
  expectedFlowKpi,
  expectedHopCounts,
  expectedTxnKeys,
  expectedTxnSummary,
  groupBy,
  keysOf,
  makeScenario,
  type FixtureEvent,
  type Scenario,
} from './testing/views-scenario'

/**
 * Every table must give the answer of the UNIQUE events although the data arrives as:
 *   A  the whole batch (token t0),
 *   B  a re-send of some events in another batch (new offsets, another token),
 *   C  a re-send of other events without a token,
 *   A  again with the same token t0 (a retried batch: must be dropped, views included),
 *   D  a batch holding other events twice each (a producer's retry lands next to the first copy,
 *      so both come in one insert, which does not collapse them: exec.ts, optimize_on_insert).
 * Checked twice: with merges stopped (reads must not rely on merges) and after OPTIMIZE FINAL.
 */

const ROLLUPS = ['hop_events', 'txn_keys', 'txn_summary', 'flow_kpi_counts_1m', 'flow_kpi_counts_1h', 'e2e_kpi_1h']
const MIN = 60_000
const HOUR = 60 * MIN

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
let sc: Scenario
let db: string
let plants: string[]
let A: FixtureEvent[]
let B: FixtureEvent[]
let C: FixtureEvent[]
let D: FixtureEvent[]
/** A window that holds every fixture event. */
let from: Date
let to: Date

function stamp(events: FixtureEvent[], ingestedAt: Date, partition: number, firstOffset: number): FixtureEvent[] {
  return events.map((e, i) => ({ ...e, ingested_at: ingestedAt.toISOString(), src_partition: partition, src_offset: String(firstOffset + i) }))
}

const tokenOf = (batch: FixtureEvent[]) =>
  `lt.telemetry:${batch[0]!.src_partition}:${batch[0]!.src_offset}-${batch[batch.length - 1]!.src_offset}`

beforeAll(async () => {
  engine = openTestClickHouse('views')
  ch = engine.ch
  db = ch.database
  await migrateClickHouse(ch)
  // Keep every inserted copy visible: reads must be right before any merge happens.
  for (const t of ROLLUPS) await chCommand(ch, { name: 'test.stopMerges', sql: `SYSTEM STOP MERGES ${db}.${t}` })

  const now = new Date()
  sc = makeScenario(now)
  plants = [...sc.plants]
  from = new Date(sc.monday.getTime() - 6 * HOUR)
  to = new Date(sc.monday.getTime() + 6 * HOUR)

  A = stamp(sc.events, now, 0, 0)
  B = stamp(sc.events.filter((e, i) => i % 3 === 0 || e.correlation_id === 'TX-D'), new Date(now.getTime() + MIN), 1, 1000)
  C = stamp(sc.events.filter((_, i) => i % 4 === 1), new Date(now.getTime() + 2 * MIN), 2, 2000)
  await chInsert(ch, { table: 'hop_events', rows: A, dedupToken: tokenOf(A) })
  await chInsert(ch, { table: 'hop_events', rows: B, dedupToken: tokenOf(B) })
  await chInsert(ch, { table: 'hop_events', rows: C })
  await chInsert(ch, { table: 'hop_events', rows: A, dedupToken: tokenOf(A) })
  D = stamp(
    sc.events.filter((_, i) => i % 5 === 2).flatMap((e) => [e, e]),
    new Date(now.getTime() + 3 * MIN),
    3,
    3000,
  )
  await chInsert(ch, { table: 'hop_events', rows: D, dedupToken: tokenOf(D) })
})

afterAll(async () => {
  await engine.dispose()
})

async function count(sql: string): Promise<number> {
  const { rows } = await chQuery<{ c: number }>(ch, { name: 'test.count', sql, params: { plants } })
  return Number(rows[0]!.c)
}

const byKey = <T extends object>(rows: T[], keys: (keyof T)[]) =>
  [...rows].sort((x, y) => JSON.stringify(keys.map((k) => x[k])).localeCompare(JSON.stringify(keys.map((k) => y[k]))))

function checks(phase: 'merges stopped' | 'after OPTIMIZE FINAL') {
  it('hop_events: the LIMIT 1 BY event_id read returns every unique event once, latest copy', async () => {
    const uniqueCount = sc.events.length
    expect(
      await count(`SELECT count() AS c FROM (SELECT event_id FROM ${db}.hop_events WHERE plant IN {plants:Array(String)} LIMIT 1 BY event_id)`),
    ).toBe(uniqueCount)

    const latestPartition = (id: string) =>
      D.some((e) => e.event_id === id) ? 3 : C.some((e) => e.event_id === id) ? 2 : B.some((e) => e.event_id === id) ? 1 : 0
    for (const [cid, events] of groupBy(sc.events, (e) => e.correlation_id)) {
      const origin = new Date(events[0]!.origin_time)
      // The deep-link read: bounded to the transaction's origin_time, whatever week its hops fall in.
      const rows = await traceByCorrelationId(ch, { correlationId: cid, from: origin, to: new Date(origin.getTime() + 1) })
      const expected = [...events].sort((x, y) => x.occurred_at.localeCompare(y.occurred_at) || x.event_id.localeCompare(y.event_id))
      expect(rows.map((r) => r.event_id), cid).toEqual(expected.map((e) => e.event_id))
      for (const [i, r] of rows.entries()) {
        const e = expected[i]!
        expect(r, e.event_id).toMatchObject({
          event_type: e.event_type,
          status: e.status,
          plant: e.plant,
          hop: e.hop,
          error_category: e.error_category,
          latency_ms: e.latency_ms,
          replayed: e.replay_id !== '',
          since_origin_ms: new Date(e.occurred_at).getTime() - origin.getTime(),
          src_partition: latestPartition(e.event_id),
        })
      }
    }
  })

  it('txn_keys: each business key finds exactly its transactions', async () => {
    const expected = expectedTxnKeys(sc.events)
    const { rows } = await chQuery<{ k: [string, string, string, string, string] }>(ch, {
      name: 'test.txnKeys',
      sql: `SELECT DISTINCT [key_type, key_value, correlation_id, toString(plant), toString(origin_time)] AS k
            FROM ${db}.txn_keys WHERE plant IN {plants:Array(String)}`,
      params: { plants },
    })
    expect(rows.map((r) => r.k).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))).toEqual(expected)

    const wanted = groupBy(expected, ([type, value]) => JSON.stringify([type, value]))
    for (const [key, list] of wanted) {
      const [keyType, keyValue] = JSON.parse(key) as [KeyType, string]
      const found = await txnsByKey(ch, { keyType, keyValue, from, to })
      expect(found.map((r) => r.correlation_id).sort(), key).toEqual([...new Set(list.map((k) => k[2]))].sort())
    }
  })

  it('txn_summary: one merged row per transaction with duplicate-safe values', async () => {
    const rows = await txnSummaries(ch, { plants, from, to, limit: 100 })
    const actual = byKey(
      // state and sla_ms are judged against now (txn-state.test.ts covers them).
      rows.map(({ last_ingested_at: _ignored, state: _state, sla_ms: _sla, ...r }) => r),
      ['correlation_id'],
    )
    expect(actual).toEqual(expectedTxnSummary(sc.events))
  })

  for (const grain of ['1m', '1h'] as const) {
    it(`flow_kpi_${grain}: exact counts per plant/flow/hop/line/bucket`, async () => {
      const rows = await flowKpi(ch, { plants, from, to, grain, by: ['plant', 'bucket', 'flow', 'hop', 'line'] })
      const expected = expectedFlowKpi(sc.events, grain === '1m' ? MIN : HOUR)
      const strip = ({ latency_p50: _a, latency_p90: _b, latency_p95: _c, latency_p99: _d, ...r }: FlowKpiRow) => r
      expect(byKey(rows.map(strip), ['plant', 'bucket', 'flow', 'hop', 'line'])).toEqual(
        expected.map(({ latency_min: _m, ...r }) => r),
      )
      // Latency quantiles are t-digest estimates; they must lie within the observed range.
      for (const exp of expected) {
        const row = rows.find((r) => r.plant === exp.plant && r.bucket === exp.bucket && r.flow === exp.flow && r.hop === exp.hop && r.line === exp.line)!
        if (exp.latency_max === null) expect(row.latency_p50).toBeNull()
        else {
          expect(row.latency_p50!).toBeGreaterThanOrEqual(exp.latency_min! - 1e-6)
          expect(row.latency_p99!).toBeLessThanOrEqual(exp.latency_max + 1e-6)
        }
      }
    })
  }

  it('e2e_kpi_1h: per-transaction latency of the first successful posting, by origin hour', async () => {
    const rows = await e2eTransactions(ch, { plants, from, to })
    expect(byKey(rows, ['correlation_id'])).toEqual(expectedE2eTransactions(sc.events))
    expect(await e2eLatency(ch, { plants, from, to })).toEqual(expectedE2eLatency(sc.events))
  })

  it('hopCountsByPlant: distinct events per plant for long, short and ragged windows', async () => {
    const M = sc.monday.getTime()
    const windows: Array<[Date, Date]> = [
      [from, to], // whole hours only
      [new Date(M - 90_000), new Date(M + 150_000)], // minutes only, widened to [M-2m, M+3m)
      [new Date(M - 100 * MIN - 10_000), new Date(M + 41 * MIN + 5_000)], // hours plus minute edges
      [new Date(M + 2 * HOUR), new Date(M + 3 * HOUR)], // nothing there
    ]
    for (const [wFrom, wTo] of windows) {
      const got = await hopCountsByPlant(ch, { plants, from: wFrom, to: wTo, actor: { route: 'test', user: 'tester' } })
      expect(got, `${wFrom.toISOString()} .. ${wTo.toISOString()}`).toEqual(expectedHopCounts(sc.events, wFrom, wTo))
    }
    expect(await hopCountsByPlant(ch, { plants: ['NOPE'], from, to })).toEqual([])
  })

  if (phase === 'merges stopped') {
    it('a batch retried with the same token is dropped, materialized views included', async () => {
      // Every insert is still a separate part, copied as it came: raw rows are exactly A + B + C + D
      // (not + A again; D's copies included).
      expect(await count(`SELECT count() AS c FROM ${db}.hop_events WHERE plant IN {plants:Array(String)}`)).toBe(
        A.length + B.length + C.length + D.length,
      )
      // txn_keys is a ReplacingMergeTree fed by a view that groups by its key: each batch adds its
      // DISTINCT key rows. A retried A would add keyRows(A) again.
      const keyRows = (batch: FixtureEvent[]) =>
        new Set(batch.flatMap((e) => keysOf(e).map(([t, v]) => JSON.stringify([t, v, e.origin_time, e.correlation_id])))).size
      expect(await count(`SELECT count() AS c FROM ${db}.txn_keys WHERE plant IN {plants:Array(String)}`)).toBe(
        keyRows(A) + keyRows(B) + keyRows(C) + keyRows(D),
      )
    })
  } else {
    it('merges collapse re-sent copies to one row per event', async () => {
      expect(await count(`SELECT count() AS c FROM ${db}.hop_events WHERE plant IN {plants:Array(String)}`)).toBe(
        sc.events.length,
      )
      expect(await count(`SELECT count() AS c FROM ${db}.txn_keys WHERE plant IN {plants:Array(String)}`)).toBe(
        expectedTxnKeys(sc.events).length,
      )
      expect(await count(`SELECT count() AS c FROM ${db}.txn_summary WHERE plant IN {plants:Array(String)}`)).toBe(
        new Set(sc.events.map((e) => e.correlation_id)).size,
      )
    })
  }
}

describe('views over re-sent and retried batches (merges stopped)', () => {
  checks('merges stopped')
})

describe('views over re-sent and retried batches (after OPTIMIZE FINAL)', () => {
  beforeAll(async () => {
    for (const t of ROLLUPS) {
      await chCommand(ch, { name: 'test.startMerges', sql: `SYSTEM START MERGES ${db}.${t}` })
      await chCommand(ch, { name: 'test.optimize', sql: `OPTIMIZE TABLE ${db}.${t} FINAL` })
    }
  })
  checks('after OPTIMIZE FINAL')
})
