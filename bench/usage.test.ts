import { describe, expect, it } from 'vitest'
import { cpuMicros, cpuWindow, describeCpu } from './usage'

describe('cpuWindow', () => {
  it('puts the CPU of a busy JavaScript thread under javascript, per event, and reads waits and the machine idle share', () => {
    const [window, c0] = [cpuWindow(), cpuMicros()]
    const until = performance.now() + 300
    let spins = 0
    while (performance.now() < until) spins++
    const events = 10
    const w = window.stop(events)
    const processUs = cpuMicros() - c0
    expect(spins).toBeGreaterThan(0)
    const t = w.threadsUsPerEvent
    // However loaded the machine, the spin is this process's CPU, nearly all of it on the main
    // thread (slack of two 10 ms ticks: the ends of the window, and a kernel without schedstat).
    const slack = 20_000
    expect(t.javascript * events).toBeGreaterThanOrEqual(0.8 * processUs - slack)
    expect(t.javascript * events).toBeLessThanOrEqual(processUs + slack)
    expect(t.engineQueries).toBe(0) // no chDB in this process
    expect(t.engineMerges).toBe(0)
    // Linux kernels keep schedstat (sched_info): the waits are read, never negative.
    expect(w.threadsWaitUsPerEvent).not.toBeNull()
    for (const v of Object.values(w.threadsWaitUsPerEvent!)) expect(v).toBeGreaterThanOrEqual(0)
    expect(w.machineIdleShare).toBeGreaterThanOrEqual(0)
    expect(w.machineIdleShare).toBeLessThanOrEqual(1)
    expect(describeCpu(w)).toMatch(new RegExp(`^JavaScript ${t.javascript} \\(\\+${w.threadsWaitUsPerEvent!.javascript}\\), Node's helper threads`))
  })
})
