import { describe, expect, it } from 'vitest'
import { barExtent, clampWindow, fullWindow, hopSpans, ticks, zoom } from './waterfall-scale'

describe('waterfall scale', () => {
  const spans = hopSpans([
    { since_origin_ms: 0, latency_ms: null },
    { since_origin_ms: 1_000, latency_ms: 200 },
    { since_origin_ms: 61_000, latency_ms: 1_000 },
    { since_origin_ms: 61_500, latency_ms: 2_000 },
  ])

  it('draws durations and waits to scale: work ends at the hop’s time, the wait runs from the previous report', () => {
    expect(spans[1]).toEqual({ start: 800, end: 1_000, waitFrom: 0 })
    expect(spans[2]).toEqual({ start: 60_000, end: 61_000, waitFrom: 1_000 })
    // Work that overlaps the previous hop waited for nothing.
    expect(spans[3]).toEqual({ start: 59_500, end: 61_500, waitFrom: null })
    expect(fullWindow(spans)).toEqual({ from: 0, to: 61_500 })
  })

  it('keeps bars proportional: twice the duration is twice the width', () => {
    const w = { from: 0, to: 10_000 }
    expect(barExtent(1_000, 2_000, w)).toEqual({ left: 10, width: 10 })
    expect(barExtent(4_000, 6_000, w)).toEqual({ left: 40, width: 20 })
    expect(barExtent(9_000, 12_000, w)).toEqual({ left: 90, width: 10 })
    expect(barExtent(11_000, 12_000, w)).toBeNull()
  })

  it('zooms around a point and never beyond the transaction or below the smallest window', () => {
    const full = { from: 0, to: 10_000 }
    expect(zoom(full, 0.5, full, 5_000)).toEqual({ from: 2_500, to: 7_500 })
    expect(zoom(full, 0.5, full, 0)).toEqual({ from: 0, to: 5_000 })
    expect(zoom({ from: 2_500, to: 7_500 }, 4, full)).toEqual(full)
    expect(zoom({ from: 100, to: 110 }, 0.1, full).to - zoom({ from: 100, to: 110 }, 0.1, full).from).toBe(10)
    expect(clampWindow({ from: 9_000, to: 12_000 }, full)).toEqual({ from: 7_000, to: 10_000 })
  })

  it('puts ticks on round values inside the window', () => {
    expect(ticks({ from: 0, to: 61_500 })).toEqual([0, 15_000, 30_000, 45_000, 60_000])
    expect(ticks({ from: 120, to: 180 })).toEqual([120, 130, 140, 150, 160, 170, 180])
    expect(ticks({ from: 0, to: 3 * 86_400_000 }).length).toBeGreaterThan(1)
  })
})
