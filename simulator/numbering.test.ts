import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LocalTransport } from '../server/bus/local'
import { loadConfig } from '../server/config'
import type { HopEventInput } from '../server/domain/hop-event'
import { Simulation } from './simulator'
import { MIN, TUESDAY_MS } from './testing/virtual-run'

/**
 * The README's example ids (work order 155000000002, material FG10022 of plant 1000) must exist in
 * every fresh demo, while a later start into the same stores must never reuse an earlier run's
 * numbers (their idempotency keys would make the new postings look like re-sends).
 */

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

async function ordersOfPlant1000(stateDir: string | undefined, start: number): Promise<Set<string>> {
  const events: HopEventInput[] = []
  const sim = await Simulation.create({
    transport: new LocalTransport(),
    config: loadConfig({}),
    options: { clock: 'virtual', start, duration: '15m', maxEventsPerSecond: 1e9, operators: false },
    onHopEvent: (e) => events.push(e),
    stateDir,
  })
  await sim.run()
  await sim.close()
  const orders = events.filter((e) => e.plant === '1000' && e.flow === 'production_confirmation').map((e) => `${e.business?.work_order} ${e.business?.material}`)
  return new Set(orders)
}

describe('business numbers of the demo', () => {
  it('a fresh demo numbers from the seed alone, on any day: the README example exists', async () => {
    for (const start of [TUESDAY_MS, TUESDAY_MS + 3 * 24 * 60 * MIN + 7 * 60 * MIN]) {
      const dir = mkdtempSync(join(tmpdir(), 'lt-sim-numbers-'))
      dirs.push(dir)
      expect(await ordersOfPlant1000(dir, start)).toContain('155000000002 FG10022')
    }
  })

  it('a later start continues with numbers of its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-sim-numbers-'))
    dirs.push(dir)
    const first = await ordersOfPlant1000(dir, TUESDAY_MS)
    const second = await ordersOfPlant1000(dir, TUESDAY_MS + 60 * MIN)
    // The second start finishes the first one's work in flight (those orders keep their numbers);
    // every order it opens itself is numbered away from the first run's range.
    const opened = [...second].filter((o) => !first.has(o)).map((o) => Number(o.split(' ')[0]) - 155_000_000_000)
    expect(first.size).toBeGreaterThan(0)
    expect(opened.length).toBeGreaterThan(0)
    expect(opened.filter((n) => n < 10_000)).toEqual([])
  })

  it('a run that keeps no state never takes the fixed numbers (tests and CLI runs into shared stores)', async () => {
    const orders = await ordersOfPlant1000(undefined, TUESDAY_MS)
    expect(orders.size).toBeGreaterThan(0)
    expect(orders).not.toContain('155000000002 FG10022')
  })
})
