import { afterEach, describe, expect, it, vi } from 'vitest'
import { every } from './every'

afterEach(() => vi.useRealTimers())

describe('every', () => {
  it('pauses between runs as told: the interval, or the pause a run returns', async () => {
    vi.useFakeTimers()
    const runs: number[] = []
    const pauses = [5_000, undefined]
    const loop = every('test-pauses', 1_000, 100, async () => {
      runs.push(Date.now())
      return pauses.shift()
    })
    const t0 = Date.now()
    await vi.advanceTimersByTimeAsync(100 + 5_000 + 1_000 + 1)
    await loop.stop()
    expect(runs.map((t) => t - t0)).toEqual([100, 5_100, 6_100])
  })

  it('wake() runs at once in a long pause, and right after a run in progress, without overlapping it', async () => {
    vi.useFakeTimers()
    let active = 0
    let overlapped = false
    const runs: number[] = []
    let release: (() => void) | undefined
    const loop = every('test-wake', 60_000, 0, async () => {
      overlapped ||= active > 0
      active++
      runs.push(Date.now())
      if (runs.length === 2) await new Promise<void>((r) => (release = r))
      active--
    })
    const t0 = Date.now()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(runs).toHaveLength(1)
    loop.wake()
    await vi.advanceTimersByTimeAsync(1)
    expect(runs.map((t) => t - t0)).toEqual([0, 1_000])
    // Woken while the second run is in progress: the third starts as it ends, not a minute later.
    loop.wake()
    await vi.advanceTimersByTimeAsync(5_000)
    expect(runs).toHaveLength(2)
    const released = Date.now()
    release!()
    await vi.advanceTimersByTimeAsync(1)
    expect(runs).toHaveLength(3)
    expect(runs[2]).toBe(released)
    expect(overlapped).toBe(false)
    await loop.stop()
    loop.wake()
    await vi.advanceTimersByTimeAsync(120_000)
    expect(runs).toHaveLength(3)
  })
})
