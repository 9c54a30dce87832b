import { describe, expect, it } from 'vitest'
import { LocalTransport } from '../server/bus/local'
import { loadConfig } from '../server/config'
import type { HopEventInput } from '../server/domain/hop-event'
import { startSimulator } from './start'
import { MIN, startVirtualRun, stopVirtualRun } from './testing/virtual-run'

/**
 * Achieved rate = business transactions (distinct correlation ids, equipment states excluded)
 * whose origin time falls in a window, per second of that window. Arrivals are a seeded Poisson
 * process, so for a given seed the count in a window is fixed: the tests check that the
 * simulator paces and shapes traffic as asked, not luck.
 */

function achieved(events: readonly HopEventInput[], from: number, to: number): number {
  const origins = new Map<string, number>()
  for (const e of events) if (e.flow !== 'equipment_state') origins.set(e.correlation_id, Date.parse(e.origin_time!))
  let n = 0
  for (const t of origins.values()) if (t >= from && t < to) n++
  return (n / (to - from)) * 1000
}

describe('transaction rate', () => {
  it('is within ±10% of --rate over 10 simulated minutes off-peak (simulated clock)', async () => {
    // Hamburg, Tuesday 08:00–08:10 local: early shift, no end-of-shift peak.
    const start = Date.parse('2026-11-24T07:00:00Z')
    const run = await startVirtualRun({ seed: 3, plants: 1, lines: 4, rate: 5, start, duration: '10m', showcase: false, operators: false })
    try {
      const rate = achieved(run.events, start, start + 10 * MIN)
      expect(rate).toBeGreaterThan(4.5)
      expect(rate).toBeLessThan(5.5)
    } finally {
      await stopVirtualRun(run)
    }
  })

  it('triples confirmations in the last 30 minutes of a shift (simulated clock)', async () => {
    // Hamburg, Tuesday 13:20–13:40 local: 10 minutes before the early shift's last half hour, then 10 of it.
    const start = Date.parse('2026-11-24T12:20:00Z')
    const run = await startVirtualRun({ seed: 4, plants: 1, lines: 4, rate: 2, start, duration: '20m', showcase: false, operators: false })
    try {
      const confirmations = (from: number) =>
        new Set(run.events.filter((e) => e.event_type === 'shopfloor.production_counted' && Date.parse(e.origin_time!) >= from && Date.parse(e.origin_time!) < from + 10 * MIN).map((e) => e.correlation_id)).size
      const ratio = confirmations(start + 10 * MIN) / confirmations(start)
      expect(ratio).toBeGreaterThan(2.6)
      expect(ratio).toBeLessThan(3.4)
    } finally {
      await stopVirtualRun(run)
    }
  })

  it('is within ±10% of --rate on the real clock, simulated time keeping up with it', async () => {
    // No peak and no weekend factor: the expected rate must not depend on when the test runs.
    const transport = new LocalTransport()
    const events: HopEventInput[] = []
    const handle = await startSimulator({
      transport,
      config: loadConfig({}),
      options: { seed: 9, plants: 2, lines: 2, rate: 150, peakFactor: 1, weekendFactor: 1, showcase: false, operators: false },
      onHopEvent: (e) => events.push(e),
    })
    const from = Date.now()
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    const to = Date.now()
    // Simulated time reached by now: the window the rate is measured over, and proof of keeping up.
    const simulatedTo = Date.parse(handle.stats().simTime)
    await handle.stop()
    await transport.close()
    expect(to - simulatedTo).toBeLessThan(500)
    const rate = achieved(events, from, simulatedTo)
    expect(rate).toBeGreaterThan(135)
    expect(rate).toBeLessThan(165)
  })
})
