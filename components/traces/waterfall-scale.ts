/**
 * The waterfall's arithmetic, kept out of the components so rendering a row is a few multiplications
 * (smooth at thousands of hops) and the scale can be tested. All times are milliseconds since the
 * transaction's source event.
 */

export interface HopSpan {
  /** When the hop's work started: its time minus its duration (its own time when unknown). */
  start: number
  /** When the hop reported (occurred_at). */
  end: number
  /** Since when it waited: the previous hop's report, when that was before this hop started. */
  waitFrom: number | null
}

export interface TimeWindow {
  from: number
  to: number
}

/** The smallest window the zoom goes down to: finer than the millisecond timestamps would be noise. */
export const MIN_WINDOW_MS = 10

export function hopSpans(hops: readonly { since_origin_ms: number; latency_ms: number | null }[]): HopSpan[] {
  const spans: HopSpan[] = []
  let prevEnd: number | null = null
  for (const h of hops) {
    const end = Number(h.since_origin_ms)
    const start = end - Math.max(0, Number(h.latency_ms ?? 0))
    spans.push({ start, end, waitFrom: prevEnd !== null && prevEnd < start ? prevEnd : null })
    prevEnd = end
  }
  return spans
}

/** The whole transaction, from the source event (or the earliest work before it) to the last report. */
export function fullWindow(spans: readonly HopSpan[]): TimeWindow {
  let from = 0
  let to = 0
  for (const s of spans) {
    if (s.start < from) from = s.start
    if (s.end > to) to = s.end
  }
  return { from, to: Math.max(to, from + MIN_WINDOW_MS) }
}

/** `window` scaled by `factor` (< 1 zooms in) around `centre`, kept inside `full`. */
export function zoom(window: TimeWindow, factor: number, full: TimeWindow, centre = (window.from + window.to) / 2): TimeWindow {
  const width = Math.min(full.to - full.from, Math.max(MIN_WINDOW_MS, (window.to - window.from) * factor))
  const ratio = (centre - window.from) / (window.to - window.from || 1)
  return clampWindow({ from: centre - width * ratio, to: centre - width * ratio + width }, full)
}

/** A window inside `full`, at least MIN_WINDOW_MS wide, shifted (not shrunk) when it sticks out. */
export function clampWindow(w: TimeWindow, full: TimeWindow): TimeWindow {
  const width = Math.min(full.to - full.from, Math.max(MIN_WINDOW_MS, w.to - w.from))
  const from = Math.min(Math.max(w.from, full.from), full.to - width)
  return { from, to: from + width }
}

/** Percent position of `t` in the window, for CSS `left`/`width` (may lie outside 0–100). */
export function percentOf(t: number, w: TimeWindow): number {
  return ((t - w.from) / (w.to - w.from)) * 100
}

/** A bar's CSS extent, clipped to the window; null when it lies entirely outside. */
export function barExtent(from: number, to: number, w: TimeWindow): { left: number; width: number } | null {
  if (to < w.from || from > w.to) return null
  const left = Math.max(0, percentOf(from, w))
  const right = Math.min(100, percentOf(to, w))
  return { left, width: Math.max(0, right - left) }
}

const STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000]

/** Round tick positions across the window, about `count` of them (1, 2, 5 steps; minutes and hours as clocks count). */
export function ticks(w: TimeWindow, count = 6): number[] {
  const raw = (w.to - w.from) / count
  const step = STEPS.find((s) => s >= raw) ?? Math.ceil(raw / 86_400_000) * 86_400_000
  const out: number[] = []
  for (let t = Math.ceil(w.from / step) * step; t <= w.to; t += step) out.push(t)
  return out
}
