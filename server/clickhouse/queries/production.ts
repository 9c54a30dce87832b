import type { ClickHouse } from '../client'
import { chQuery, type Actor } from '../exec'
import { assertWindow } from './window'

/**
 * The ISO 22400 inputs of each line over ONE window [from, end), end = min(to, now), from
 * line_events (migration 0006_line_events.sql): the time spent in each state, clipped to the
 * window, and the parts counted in it. Every number of a line comes from the same window, so
 * availability and performance cannot disagree about the time they describe.
 *
 * A state lasts from its change to the line's next change (or to the end of the window). The state
 * at the window's start is the last change before it, looked for up to STATE_LOOKBACK_MS back;
 * time before a line's first known change is unknown and counts nowhere. Re-sent events count once
 * (one row per event_id and time); a late event simply lands at its own time.
 */

/** How far back a line's state before the window is looked for (a long weekend of planned stop). */
export const STATE_LOOKBACK_MS = 14 * 86_400_000

/** States that are not planned production time (ISO 22400: planned busy time excludes them). */
export const NOT_PLANNED_STATES = ['PLANNED_STOP', 'OFFLINE', ''] as const

export interface LineProductionRow {
  plant: string
  line: string
  /** State changes inside the window (a line may have known state without any). */
  state_events: number
  /** Time of the window with a known state, planned production time (not a planned stop), run time (RUNNING). */
  known_ms: number
  planned_ms: number
  run_ms: number
  /** Counts inside the window. */
  count_events: number
  good: number
  scrap: number
  /** Σ ideal cycle time × parts, over counts that reported an ideal cycle time. */
  ideal_ms: number
  /** Parts of counts without an ideal cycle time (performance cannot be computed for them). */
  unrated: number
}

/** Per plant and line over [from, min(to, now)); lines with neither states nor counts are absent. */
export async function lineProduction(
  ch: ClickHouse,
  q: { plants: readonly string[]; from: Date; to: Date; now: Date; actor?: Actor },
): Promise<LineProductionRow[]> {
  assertWindow(q.from, q.to)
  const end = new Date(Math.min(q.to.getTime(), q.now.getTime()))
  if (q.plants.length === 0 || end.getTime() <= q.from.getTime()) return []
  const params = { plants: [...q.plants], from: q.from, end, since: new Date(q.from.getTime() - STATE_LOOKBACK_MS), notPlanned: [...NOT_PLANNED_STATES] }
  const db = ch.database
  const [states, counts] = await Promise.all([
    chQuery<Omit<LineProductionRow, 'count_events' | 'good' | 'scrap' | 'ideal_ms' | 'unrated'>>(ch, {
      name: 'production.states',
      sql: `SELECT plant, line,
              countIf(at >= {from:DateTime64(3, 'UTC')}) AS state_events,
              sum(ms) AS known_ms,
              sumIf(ms, NOT has({notPlanned:Array(String)}, st)) AS planned_ms,
              sumIf(ms, st = 'RUNNING') AS run_ms
            FROM (
              SELECT plant, line, at, st,
                greatest(0, dateDiff('millisecond', greatest(at, {from:DateTime64(3, 'UTC')}), least(next_at, {end:DateTime64(3, 'UTC')}))) AS ms
              FROM (
                SELECT plant, line, at, st,
                  leadInFrame(at, 1, {end:DateTime64(3, 'UTC')}) OVER (PARTITION BY plant, line ORDER BY at, event_id ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_at
                FROM (
                  -- a re-sent event is the same event at the same time: one row
                  SELECT plant, line, at, event_id, any(state) AS st
                  FROM ${db}.line_events
                  WHERE kind = 'state' AND plant IN {plants:Array(String)}
                    AND at >= {since:DateTime64(3, 'UTC')} AND at < {end:DateTime64(3, 'UTC')}
                  GROUP BY plant, line, at, event_id
                )
              )
              WHERE next_at > {from:DateTime64(3, 'UTC')}
            )
            GROUP BY plant, line`,
      params,
      actor: q.actor,
    }),
    chQuery<Pick<LineProductionRow, 'plant' | 'line' | 'count_events' | 'good' | 'scrap' | 'ideal_ms' | 'unrated'>>(ch, {
      name: 'production.counts',
      sql: `SELECT plant, line, count() AS count_events, sum(g) AS good, sum(s) AS scrap,
              sum(if(ideal > 0, ideal * (g + s), 0)) AS ideal_ms, sum(if(ideal > 0, 0, g + s)) AS unrated
            FROM (
              SELECT plant, line, event_id, any(good) AS g, any(scrap) AS s, any(ideal_cycle_ms) AS ideal
              FROM ${db}.line_events
              WHERE kind = 'count' AND plant IN {plants:Array(String)}
                AND at >= {from:DateTime64(3, 'UTC')} AND at < {end:DateTime64(3, 'UTC')}
              GROUP BY plant, line, at, event_id
            )
            GROUP BY plant, line`,
      params,
      actor: q.actor,
    }),
  ])
  const zero = { state_events: 0, known_ms: 0, planned_ms: 0, run_ms: 0, count_events: 0, good: 0, scrap: 0, ideal_ms: 0, unrated: 0 }
  const rows = new Map<string, LineProductionRow>()
  const row = (plant: string, line: string) => {
    const key = `${plant}\u0000${line}`
    let r = rows.get(key)
    if (!r) rows.set(key, (r = { plant, line, ...zero }))
    return r
  }
  // JSON output may carry 64-bit integers as strings.
  for (const s of states.rows) Object.assign(row(s.plant, s.line), { state_events: +s.state_events, known_ms: +s.known_ms, planned_ms: +s.planned_ms, run_ms: +s.run_ms })
  for (const c of counts.rows)
    Object.assign(row(c.plant, c.line), { count_events: +c.count_events, good: +c.good, scrap: +c.scrap, ideal_ms: +c.ideal_ms, unrated: +c.unrated })
  return [...rows.values()].sort((a, b) => a.plant.localeCompare(b.plant) || a.line.localeCompare(b.line))
}
