import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { oeeOf, type Oee } from '../../domain/oee'
import type { ClickHouse } from '../client'
import { migrateClickHouse } from '../migrate'
import { openTestClickHouse } from '../testing'
import { insertHopEvents, type Ev } from '../testing/hour-stats-events'
import { readStats } from './hour-stats/read'
import { countWindows, lineStates, lineStatesOf, NOT_PLANNED_STATES, oeeInputs, STATE_LOOKBACK_MS } from './production'
import { recentDay } from '../../testing/recent-day'

/**
 * ISO 22400 OEE on real ClickHouse through the real queries (states from line_events, counts from
 * the hour statistics, as services/kpis/compute.ts reads them) and the domain's formulas (domain/oee.ts): crafted sets pin exact values and each reason; a
 * property over generated event sets (random states, counts, re-sent duplicates, late batches)
 * proves the query agrees with a plain model of the same events and that A, P, Q and OEE are in
 * [0, 1] whenever a value is shown.
 */

const MIN = 60_000
const HOUR = 60 * MIN
const W = Date.parse(`${recentDay(3)}T06:00:00.000Z`)

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
beforeAll(async () => {
  engine = openTestClickHouse('production')
  ch = engine.ch
  await migrateClickHouse(ch)
}, 120_000)
afterAll(() => engine.dispose())

let seq = 0
const iso = (t: number) => new Date(t).toISOString()
function stateEvent(plant: string, line: string, at: number, state: string, id = `st-${++seq}`): Ev {
  return {
    event_id: id,
    event_type: 'shopfloor.equipment_state_changed',
    occurred_at: iso(at),
    origin_time: iso(at),
    correlation_id: `eq-${id}`,
    flow: 'equipment_state',
    hop: 'machine',
    status: 'ok',
    plant,
    line,
    attributes: state === '' ? {} : { state },
  }
}
function countEvent(plant: string, line: string, at: number, good: number, scrap: number, idealMs: number | null, id = `ct-${++seq}`): Ev {
  return {
    event_id: id,
    event_type: 'shopfloor.production_counted',
    occurred_at: iso(at),
    origin_time: iso(at),
    correlation_id: `conf-${id}`,
    flow: 'production_confirmation',
    hop: 'machine',
    status: 'ok',
    plant,
    line,
    qty_good: good,
    qty_scrap: scrap,
    attributes: idealMs === null ? { counter_window: 'since_last_confirmation' } : { ideal_cycle_time_ms: String(idealMs) },
  }
}

/** What the KPI service does for one plant: counts from readStats, states over the same window. */
async function plantInputs(plant: string, from: number, to: number, now: number) {
  const stepSec = to - from <= 6 * HOUR ? 60 : 3600
  const window = countWindows({ from: new Date(from), to: new Date(to), stepSec }).current
  const [stats, states] = await Promise.all([
    readStats(ch, { plants: [plant], from: new Date(from), to: new Date(to), stepSec, state: { now: new Date(now), slas: [], defaultSlaMs: 5 * MIN }, maxLagMs: 0 }),
    lineStates(ch, { plants: [plant], ...window, now: new Date(now) }),
  ])
  return { window, rows: oeeInputs(plant, states, stats.current.production) }
}

async function plantOee(plant: string, from: number, to: number, now = to): Promise<Oee> {
  return oeeOf((await plantInputs(plant, from, to, now)).rows)
}

describe('OEE on crafted event sets', () => {
  it('8 h planned, 7 h run, ideal 30 s, 800 produced, 780 good: exact A, P, Q, OEE; re-sends and a late batch change nothing', async () => {
    const P = 'OEE1'
    const events = [
      stateEvent(P, 'L01', W - HOUR, 'PLANNED_STOP'), // before the window: the state it starts in
      stateEvent(P, 'L01', W, 'RUNNING'),
      stateEvent(P, 'L01', W + 3 * HOUR, 'DOWN'),
      stateEvent(P, 'L01', W + 4 * HOUR, 'RUNNING'),
      stateEvent(P, 'L01', W + 8 * HOUR, 'PLANNED_STOP'),
      // 8 counts: 4 × (97 good, 3 scrap) + 4 × (98, 2) = 780 good of 800.
      ...[0, 1, 2, 3].map((i) => countEvent(P, 'L01', W + (i + 0.5) * HOUR, 97, 3, 30_000)),
      ...[4, 5, 6].map((i) => countEvent(P, 'L01', W + (i + 0.5) * HOUR, 98, 2, 30_000)),
      // Outside the window: before it and after it.
      countEvent(P, 'L01', W - 30 * MIN, 500, 0, 30_000),
      countEvent(P, 'L01', W + 9.5 * HOUR, 500, 0, 30_000),
    ]
    const late = countEvent(P, 'L01', W + 7.5 * HOUR, 98, 2, 30_000)
    await insertHopEvents(ch, events)
    await insertHopEvents(ch, events) // every event re-sent
    await insertHopEvents(ch, [late, late]) // one arrives late, twice
    const oee = await plantOee(P, W, W + 9 * HOUR, W + 10 * HOUR)
    expect(oee).toMatchObject({ planned_ms: 8 * HOUR, run_ms: 7 * HOUR, produced: 800, good: 780 })
    expect(oee.availability.value).toBe(0.875)
    expect(oee.performance.value).toBeCloseTo((30 * 800) / (7 * 3600), 12) // 95.238…%
    expect(oee.quality.value).toBe(0.975)
    expect(oee.oee.value).toBeCloseTo(0.8125, 12)
  })

  it('reads a period and the previous one in one query with the numbers of one read each', async () => {
    const P = 'OEE9'
    await insertHopEvents(ch, [
      stateEvent(P, 'L01', W - 20 * HOUR, 'RUNNING'),
      stateEvent(P, 'L01', W - 3 * HOUR, 'DOWN'),
      stateEvent(P, 'L01', W + 2 * HOUR, 'RUNNING'),
      stateEvent(P, 'L02', W - 30 * MIN, 'PLANNED_STOP'),
      countEvent(P, 'L01', W - 2 * HOUR, 40, 1, null),
      countEvent(P, 'L02', W + HOUR, 10, 0, null),
    ])
    const previous = { from: new Date(W - 6 * HOUR), to: new Date(W) }
    const current = { from: new Date(W), to: new Date(W + 6 * HOUR) }
    const now = new Date(W + 5 * HOUR)
    const [cur, prev] = await lineStatesOf(ch, { plants: [P], windows: [current, previous], now })
    expect(cur).toEqual(await lineStates(ch, { plants: [P], ...current, now }))
    expect(prev).toEqual(await lineStates(ch, { plants: [P], ...previous, now }))
    // L01 before the window: 3 h running, then down; L02 only planned stop, 30 min of it.
    expect(prev).toEqual([
      { plant: P, line: 'L01', state_events: 1, known_ms: 6 * HOUR, planned_ms: 6 * HOUR, run_ms: 3 * HOUR },
      { plant: P, line: 'L02', state_events: 1, known_ms: 30 * MIN, planned_ms: 0, run_ms: 0 },
    ])
    // Parts without an ideal cycle time come with the other counts, per line and period (stored hours).
    const stats = await readStats(ch, { plants: [P], ...current, previousFrom: previous.from, stepSec: 3600, state: { now, slas: [], defaultSlaMs: 5 * MIN }, maxLagMs: 0 })
    const count = (line: string, good: number, scrap: number) => ({ plant: P, line, busy_ms: 0, running_ms: 0, good, scrap, ideal_ms: 0, unrated: good + scrap })
    expect(stats.previous?.production).toEqual([count('L01', 40, 1)])
    expect(stats.current.production).toEqual([count('L02', 10, 0)])
  })

  it('the open state runs to now, not to the end of a window in the future', async () => {
    const P = 'OEE2'
    await insertHopEvents(ch, [stateEvent(P, 'L01', W, 'RUNNING'), countEvent(P, 'L01', W + 30 * MIN, 100, 0, 30_000)])
    const oee = await plantOee(P, W, W + 24 * HOUR, W + HOUR)
    expect(oee).toMatchObject({ planned_ms: HOUR, run_ms: HOUR })
    expect(oee.performance.value).toBeCloseTo(3000 / 3600, 12)
  })

  it('counts without state events: no availability, performance or OEE, with the reason', async () => {
    const P = 'OEE3'
    await insertHopEvents(ch, [countEvent(P, 'L01', W + HOUR, 90, 10, 30_000)])
    const oee = await plantOee(P, W, W + 8 * HOUR)
    expect(oee.availability).toEqual({ value: null, reason: 'no equipment state events in this range' })
    expect(oee.performance.reason).toBe('no equipment state events in this range')
    expect(oee.oee).toEqual({ value: null, reason: 'no equipment state events in this range' })
    expect(oee.quality.value).toBe(0.9)
  })

  it('a missing ideal cycle time names the line', async () => {
    const P = 'OEE4'
    await insertHopEvents(ch, [
      stateEvent(P, 'L01', W, 'RUNNING'),
      stateEvent(P, 'L02', W, 'RUNNING'),
      countEvent(P, 'L01', W + HOUR, 100, 0, 30_000),
      countEvent(P, 'L02', W + HOUR, 100, 0, null),
    ])
    const oee = await plantOee(P, W, W + 2 * HOUR)
    expect(oee.performance).toEqual({ value: null, reason: 'ideal cycle time not set for line L02' })
    expect(oee.oee.value).toBeNull()
    expect(oee.availability.value).toBe(1)
  })

  it('counts faster than the ideal cycle time allows: P = 150 % is not shown, and not clamped', async () => {
    const P = 'OEE5'
    await insertHopEvents(ch, [stateEvent(P, 'L01', W, 'RUNNING'), stateEvent(P, 'L01', W + HOUR, 'PLANNED_STOP'), countEvent(P, 'L01', W + 30 * MIN, 180, 0, 30_000)])
    const oee = await plantOee(P, W, W + 2 * HOUR)
    expect(oee.performance).toEqual({ value: null, reason: 'counts exceed what run time allows (P = 150 %): check the ideal cycle time' })
    expect(oee.oee.reason).toBe(oee.performance.reason)
  })

  it('too little run time to judge performance; only planned stops: no availability', async () => {
    await insertHopEvents(ch, [stateEvent('OEE6', 'L01', W, 'RUNNING'), stateEvent('OEE6', 'L01', W + 5 * MIN, 'IDLE'), countEvent('OEE6', 'L01', W + 4 * MIN, 5, 0, 30_000)])
    expect((await plantOee('OEE6', W, W + HOUR)).performance.reason).toBe('only 5 min of run time in this range (needs 10 min): too short to judge performance')
    await insertHopEvents(ch, [stateEvent('OEE7', 'L01', W, 'PLANNED_STOP')])
    expect((await plantOee('OEE7', W, W + HOUR)).availability.reason).toBe('no planned production time in this range (planned stop only)')
  })
})

// --- property ---------------------------------------------------------------------------------

const STATES = ['RUNNING', 'IDLE', 'DOWN', 'SETUP', 'PLANNED_STOP', 'OFFLINE', ''] as const
const SPAN = 12 * HOUR
const arbLine = fc.record({
  states: fc.array(fc.record({ at: fc.integer({ min: 0, max: SPAN }), state: fc.constantFrom(...STATES) }), { maxLength: 12 }),
  counts: fc.array(
    fc.record({
      at: fc.integer({ min: 0, max: SPAN }),
      good: fc.integer({ min: 0, max: 2000 }),
      scrap: fc.integer({ min: 0, max: 200 }),
      ideal: fc.option(fc.integer({ min: 100, max: 120_000 }), { nil: null, freq: 8 }),
    }),
    { maxLength: 10 },
  ),
})
const arbCase = fc.record({
  lines: fc.array(arbLine, { minLength: 1, maxLength: 3 }),
  from: fc.integer({ min: 0, max: SPAN - MIN }),
  length: fc.integer({ min: MIN, max: SPAN }),
  resend: fc.array(fc.nat(), { maxLength: 8 }),
  late: fc.array(fc.nat(), { maxLength: 8 }),
})

/** The state intervals of one line as a plain model: [at, next at) in at order, clipped to [from, end). */
function modelStates(states: Array<{ at: number; state: string; id: string }>, from: number, end: number) {
  const sorted = states.filter((s) => s.at >= from - STATE_LOOKBACK_MS && s.at < end).sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  let known = 0
  let planned = 0
  let run = 0
  sorted.forEach((s, i) => {
    const ms = Math.max(0, Math.min(sorted[i + 1]?.at ?? end, end) - Math.max(s.at, from))
    known += ms
    if (!(NOT_PLANNED_STATES as readonly string[]).includes(s.state)) planned += ms
    if (s.state === 'RUNNING') run += ms
  })
  return { known, planned, run }
}

const inUnit = (r: { value: number | null }) => r.value === null || (r.value >= 0 && r.value <= 1)

describe('OEE property over generated event sets', () => {
  it('the query agrees with a plain model of the events, and A, P, Q, OEE ∈ [0, 1] whenever shown', async () => {
    let run = 0
    let shown = 0
    await fc.assert(
      fc.asyncProperty(arbCase, async (c) => {
        const plant = `PR${++run}`
        const base = W
        const all: Ev[] = []
        const model = c.lines.map((l, i) => {
          const line = `L0${i + 1}`
          const states = l.states.map((s) => ({ ...s, at: base + s.at, id: `${plant}-${line}-s${++seq}` }))
          const counts = l.counts.map((k) => ({ ...k, at: base + k.at }))
          for (const s of states) all.push(stateEvent(plant, line, s.at, s.state, s.id))
          for (const k of counts) all.push(countEvent(plant, line, k.at, k.good, k.scrap, k.ideal))
          return { line, states, counts }
        })
        // A late batch (some events only after the rest), and re-sends of random events.
        const lateIdx = new Set(c.late.map((n) => (all.length ? n % all.length : -1)))
        const first = all.filter((_, i) => !lateIdx.has(i))
        const later = all.filter((_, i) => lateIdx.has(i))
        const resent = all.length ? c.resend.map((n) => all[n % all.length]!) : []
        if (first.length) await insertHopEvents(ch, first)
        if (later.length + resent.length) await insertHopEvents(ch, [...later, ...resent])

        // Windows of minutes (live) and of hours (stored statistics), all events in the past.
        const from = base + c.from
        const to = Math.min(from + c.length, base + SPAN)
        const { window, rows } = await plantInputs(plant, from, to, base + SPAN + HOUR)
        const [wFrom, wTo] = [window.from.getTime(), window.to.getTime()]
        for (const m of model) {
          const r = rows.find((x) => x.line === m.line)
          const s = modelStates(m.states, wFrom, wTo)
          const inWindow = m.counts.filter((k) => k.at >= wFrom && k.at < wTo)
          const total = (f: (k: (typeof inWindow)[number]) => number) => inWindow.reduce((n, k) => n + f(k), 0)
          expect({ known: r?.known_ms ?? 0, planned: r?.planned_ms ?? 0, run: r?.run_ms ?? 0, good: r?.good ?? 0, scrap: r?.scrap ?? 0, unrated: r?.unrated ?? 0 }).toEqual({
            known: s.known,
            planned: s.planned,
            run: s.run,
            good: total((k) => k.good),
            scrap: total((k) => k.scrap),
            unrated: total((k) => (k.ideal ? 0 : k.good + k.scrap)),
          })
          expect(r?.ideal_ms ?? 0).toBeCloseTo(total((k) => (k.ideal ? k.ideal * (k.good + k.scrap) : 0)), 3)
        }
        for (const oee of [oeeOf(rows), ...rows.map((r) => oeeOf([r]))]) {
          for (const r of [oee.availability, oee.performance, oee.quality, oee.oee]) {
            expect(inUnit(r), JSON.stringify(r)).toBe(true)
            // A value or a reason, never both, never neither.
            expect((r.value === null) !== (r.reason === null)).toBe(true)
            if (r.value !== null) shown++
          }
        }
      }),
      { numRuns: 30 },
    )
    // The generator reaches shown values, not only reasons.
    expect(shown).toBeGreaterThan(20)
  }, 300_000)
})
