import type { OeeInputs } from '../../domain/oee'
import type { ClickHouse } from '../client'
import { chQuery, type Actor } from '../exec'
import type { StatsProduction } from './hour-stats/stats'
import { NO_JIT } from './small-read'
import { assertWindow, ceilTo, floorTo } from './window'

/**
 * The ISO 22400 inputs of each line over ONE window. Counts (good, scrap, Σ ideal cycle time ×
 * parts, parts without an ideal cycle time) come from the dashboards' statistics (hour-stats/, one
 * per event id, by origin time, stored per hour: a 30-day read never visits the counts themselves);
 * the time in each state from line_events (migration 0006_line_events.sql), clipped to the window
 * those counts cover (`countWindow`), so availability and performance describe the same time.
 *
 * A state lasts from its change to the line's next change (or to the end of the window, and never
 * beyond now). The state at the window's start is the last change before it, looked for up to
 * STATE_LOOKBACK_MS back; time before a line's first known change is unknown and counts nowhere.
 * Re-sent events count once (one row per event id and time); a late event lands at its own time.
 */

/** How far back a line's state before the window is looked for (a long weekend of planned stop). */
export const STATE_LOOKBACK_MS = 14 * 86_400_000

/** States that are not planned production time (ISO 22400: planned busy time excludes them). */
export const NOT_PLANNED_STATES = ['PLANNED_STOP', 'OFFLINE', ''] as const

const HOUR = 3_600_000

/**
 * The origin-time windows whose counts readStats gives for [from, to) and, with `previousFrom`, the
 * previous period: whole hours when it reads hourly statistics (stepSec 3600); minutes computed
 * live cover [from, to), or from `from`'s minute when the previous period is read with it (the two
 * periods split at that bucket).
 */
export function countWindows(q: { from: Date; to: Date; stepSec: 60 | 3600; previousFrom?: Date }): { current: Window; previous: Window | null } {
  const step = q.stepSec * 1000
  const split = floorTo(q.from, step)
  if (q.stepSec === 3600)
    return { current: { from: split, to: ceilTo(q.to, HOUR) }, previous: q.previousFrom ? { from: floorTo(q.previousFrom, HOUR), to: split } : null }
  return { current: { from: q.previousFrom ? split : q.from, to: q.to }, previous: q.previousFrom ? { from: q.previousFrom, to: split } : null }
}

interface Window {
  from: Date
  to: Date
}

export interface LineStateRow {
  plant: string
  line: string
  /** State changes inside the window (a line may have a known state without any). */
  state_events: number
  /** Time of the window with a known state, planned production time (not a planned stop), run time (RUNNING), ms. */
  known_ms: number
  planned_ms: number
  run_ms: number
}

/** Per plant and line over [from, min(to, now)); lines without states are absent. */
export async function lineStates(
  ch: ClickHouse,
  q: { plants: readonly string[]; from: Date; to: Date; now: Date; actor?: Actor },
): Promise<LineStateRow[]> {
  return (await lineStatesOf(ch, { plants: q.plants, windows: [{ from: q.from, to: q.to }], now: q.now, actor: q.actor }))[0]!
}

/**
 * lineStates of several windows (a period and the previous one) in one query: on chDB queries run
 * one at a time, so each one saved is its whole cost. One list of rows per window, in order.
 */
export async function lineStatesOf(
  ch: ClickHouse,
  q: { plants: readonly string[]; windows: readonly Window[]; now: Date; actor?: Actor },
): Promise<LineStateRow[][]> {
  const params: Record<string, unknown> = { plants: [...q.plants], notPlanned: [...NOT_PLANNED_STATES] }
  const parts: string[] = []
  q.windows.forEach((win, i) => {
    if (win.to.getTime() <= win.from.getTime()) return
    assertWindow(win.from, win.to)
    const end = new Date(Math.min(win.to.getTime(), q.now.getTime()))
    if (end.getTime() <= win.from.getTime()) return
    Object.assign(params, { [`from${i}`]: win.from, [`end${i}`]: end, [`since${i}`]: new Date(win.from.getTime() - STATE_LOOKBACK_MS) })
    parts.push(windowStatesSql(ch, i))
  })
  const out: LineStateRow[][] = q.windows.map(() => [])
  if (q.plants.length === 0 || parts.length === 0) return out
  const { rows } = await chQuery<LineStateRow & { w: number }>(ch, {
    name: 'production.lineStates',
    sql: `SELECT * FROM (${parts.join(' UNION ALL ')}) ORDER BY w, plant, line`,
    params,
    actor: q.actor,
    settings: NO_JIT,
  })
  // JSON output may carry 64-bit integers as strings.
  for (const { w, ...r } of rows)
    out[Number(w)]!.push({ ...r, state_events: +r.state_events, known_ms: +r.known_ms, planned_ms: +r.planned_ms, run_ms: +r.run_ms })
  return out
}

/**
 * Window i's rows (parameters suffixed i). States: those inside the window and, per line, the last
 * one before it (by the same order the window function uses) — the earlier ones end before the
 * window and count nowhere, so they are aggregated away instead of going through the window
 * function. A re-sent event is the same event at the same time: one row (GROUP BY the full key).
 */
function windowStatesSql(ch: ClickHouse, i: number): string {
  return `
          SELECT ${i} AS w, plant, line,
            countIf(at >= {from${i}:DateTime64(3, 'UTC')}) AS state_events,
            sum(ms) AS known_ms,
            sumIf(ms, NOT has({notPlanned:Array(String)}, st)) AS planned_ms,
            sumIf(ms, st = 'RUNNING') AS run_ms
          FROM (
            SELECT plant, line, at, st,
              greatest(0, dateDiff('millisecond', greatest(at, {from${i}:DateTime64(3, 'UTC')}), least(next_at, {end${i}:DateTime64(3, 'UTC')}))) AS ms
            FROM (
              SELECT plant, line, at, st,
                leadInFrame(at, 1, {end${i}:DateTime64(3, 'UTC')}) OVER (PARTITION BY plant, line ORDER BY at, event_id ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_at
              FROM (
                SELECT plant, line, at, event_id, any(state) AS st
                FROM ${ch.database}.line_events
                WHERE kind = 'state' AND plant IN {plants:Array(String)} AND at >= {from${i}:DateTime64(3, 'UTC')} AND at < {end${i}:DateTime64(3, 'UTC')}
                GROUP BY plant, line, at, event_id
                UNION ALL
                SELECT plant, line, last.1, last.2, st
                FROM (
                  SELECT plant, line, max((at, event_id)) AS last, argMax(state, (at, event_id)) AS st
                  FROM ${ch.database}.line_events
                  WHERE kind = 'state' AND plant IN {plants:Array(String)} AND at >= {since${i}:DateTime64(3, 'UTC')} AND at < {from${i}:DateTime64(3, 'UTC')}
                  GROUP BY plant, line
                )
              )
            )
            WHERE next_at > {from${i}:DateTime64(3, 'UTC')}
          )
          GROUP BY plant, line`
}

/** One plant's OEE inputs per line: its states and its counts (StatsProduction of the same window). */
export function oeeInputs(plant: string, states: readonly LineStateRow[], counts: readonly StatsProduction[]): Array<OeeInputs & { state_events: number }> {
  const lines = new Map<string, OeeInputs & { state_events: number }>()
  const of = (line: string) => {
    let r = lines.get(line)
    if (!r) lines.set(line, (r = { line, state_events: 0, known_ms: 0, planned_ms: 0, run_ms: 0, good: 0, scrap: 0, ideal_ms: 0, unrated: 0 }))
    return r
  }
  for (const s of states) if (s.plant === plant) Object.assign(of(s.line), { state_events: s.state_events, known_ms: s.known_ms, planned_ms: s.planned_ms, run_ms: s.run_ms })
  for (const c of counts) {
    if (c.plant !== plant) continue
    const r = of(c.line)
    r.good += c.good
    r.scrap += c.scrap
    r.ideal_ms += c.ideal_ms
    r.unrated += c.unrated
  }
  return [...lines.values()].sort((a, b) => a.line.localeCompare(b.line))
}
