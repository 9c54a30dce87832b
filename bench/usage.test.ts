import { describe, expect, it } from 'vitest'
import { cpuMicros, cpuWindow } from './usage'

describe('cpuWindow', () => {
  it('puts the CPU of a busy JavaScript thread under javascript, per event, and reads the machine idle share as a fraction', () => {
    const [window, c0] = [cpuWindow(), cpuMicros()]
    const until = performance.now() + 300
    let spins = 0
    while (performance.now() < until) spins++
    const events = 10
    const { threadsUsPerEvent: t, machineIdleShare } = window.stop(events)
    const processUs = cpuMicros() - c0
    expect(spins).toBeGreaterThan(0)
    // However loaded the machine, the spin is this process's CPU, nearly all of it on the main
    // thread; /proc counts in 10 ms ticks (two of slack: the window's ends).
    const tick = 10_000
    expect(t.javascript * events).toBeGreaterThanOrEqual(0.8 * processUs - 2 * tick)
    expect(t.javascript * events).toBeLessThanOrEqual(processUs + 2 * tick)
    expect(t.engineQueries).toBe(0) // no chDB in this process
    expect(t.engineMerges).toBe(0)
    expect(machineIdleShare).toBeGreaterThanOrEqual(0)
    expect(machineIdleShare).toBeLessThanOrEqual(1)
  })
})
