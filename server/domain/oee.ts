/**
 * ISO 22400-2 OEE from one window's inputs (server/clickhouse/queries/production.ts): availability
 * = run time / planned production time, performance = ideal cycle time × produced quantity / run
 * time, quality = good / produced, OEE = A × P × Q. Pure, so the UI may show the same reasons.
 *
 * Correct by construction: every ratio is either a number in [0, 1] or null with the reason the
 * inputs cannot support it. Nothing is clamped: a performance above 100 % means the counts and the
 * ideal cycle time disagree with the run time, and saying so is the only honest answer.
 */

export interface OeeInputs {
  line: string
  /** Time of the window with a known state / planned production time (not a planned stop) / run time, ms. */
  known_ms: number
  planned_ms: number
  run_ms: number
  good: number
  scrap: number
  /** Σ ideal cycle time × parts over counts that reported one, ms; `unrated`: parts of counts that did not. */
  ideal_ms: number
  unrated: number
}

export interface OeeRatio {
  /** In [0, 1]; null when the inputs cannot support a value. */
  value: number | null
  /** Why value is null, in words a plant manager can act on; null when there is a value. */
  reason: string | null
}

export interface Oee {
  availability: OeeRatio
  performance: OeeRatio
  quality: OeeRatio
  oee: OeeRatio
  planned_ms: number
  run_ms: number
  produced: number
  good: number
}

/**
 * Less run time than this and performance is mostly edge effect: a count reports the parts made
 * since the previous count, some of them before the window began.
 */
export const MIN_RUN_MS = 10 * 60_000

const ok = (value: number): OeeRatio => ({ value, reason: null })
const no = (reason: string): OeeRatio => ({ value: null, reason })
const sum = (rows: readonly OeeInputs[], f: (r: OeeInputs) => number) => rows.reduce((n, r) => n + f(r), 0)
const percent = (r: number) => `${Number((100 * r).toPrecision(4))} %`
const lineName = (l: OeeInputs) => l.line || '(no line)'
const names = (rows: readonly OeeInputs[]) => rows.map(lineName).join(', ')
const lines = (rows: readonly OeeInputs[]) => (rows.length === 1 ? 'line' : 'lines')

/** A, P, Q and OEE over the given lines of one window (one line for a line's row, all for a plant). */
export function oeeOf(rows: readonly OeeInputs[]): Oee {
  const planned = sum(rows, (r) => r.planned_ms)
  const run = sum(rows, (r) => r.run_ms)
  const good = sum(rows, (r) => r.good)
  const produced = good + sum(rows, (r) => r.scrap)
  const counted = rows.filter((r) => r.good + r.scrap !== 0)
  const withState = rows.filter((r) => r.known_ms > 0)

  let availability: OeeRatio
  if (withState.length === 0) availability = no('no equipment state events in this range')
  else if (planned <= 0) availability = no('no planned production time in this range (planned stop only)')
  else if (run > planned) availability = no(`run time exceeds planned production time (A = ${percent(run / planned)}): check the equipment states`)
  else availability = ok(run / planned)

  let quality: OeeRatio
  if (counted.some((r) => r.good < 0 || r.scrap < 0)) quality = no(`negative counts for ${lines(counted)} ${names(counted.filter((r) => r.good < 0 || r.scrap < 0))}`)
  else if (produced <= 0) quality = no('no parts counted in this range')
  else quality = ok(good / produced)

  let performance: OeeRatio
  const stateless = counted.filter((r) => r.known_ms <= 0)
  const unrated = counted.filter((r) => r.unrated !== 0)
  const idle = counted.filter((r) => r.known_ms > 0 && r.run_ms <= 0)
  if (withState.length === 0) performance = availability
  else if (quality.value === null) performance = quality
  else if (stateless.length) performance = no(`counts without equipment state events for ${lines(stateless)} ${names(stateless)}`)
  else if (unrated.length) performance = no(`ideal cycle time not set for ${lines(unrated)} ${names(unrated)}`)
  else if (idle.length) performance = no(`parts counted without run time on ${lines(idle)} ${names(idle)}`)
  else if (run < MIN_RUN_MS)
    performance = no(`only ${Math.round(run / 60_000)} min of run time in this range (needs ${MIN_RUN_MS / 60_000} min): too short to judge performance`)
  else {
    const p = sum(rows, (r) => r.ideal_ms) / run
    performance = p > 1 ? no(`counts exceed what run time allows (P = ${percent(p)}): check the ideal cycle time`) : ok(p)
  }

  const parts = [availability, performance, quality]
  const missing = parts.find((r) => r.value === null)
  const oee = missing ? no(missing.reason!) : ok(availability.value! * performance.value! * quality.value!)
  return { availability, performance, quality, oee, planned_ms: planned, run_ms: run, produced, good }
}
