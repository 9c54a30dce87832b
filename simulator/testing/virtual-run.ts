import { LocalTransport } from '../../server/bus/local'
import { loadConfig } from '../../server/config'
import type { HopEventInput } from '../../server/domain/hop-event'
import type { SimulatorOptionsInput } from '../options'
import { Simulation } from '../simulator'

/**
 * A seeded run for the simulator's tests, on the in-process bus with the simulated clock (reading
 * what it wrote back: records.ts).
 */

/** A Tuesday: every demo plant is in a shift (Hamburg and Lyon early, Detroit and Monterrey night, Pune at its end-of-shift peak). */
export const TUESDAY = '2026-11-24T08:00:00Z'
export const TUESDAY_MS = Date.parse(TUESDAY)

export const MIN = 60_000

export interface VirtualRun {
  transport: LocalTransport
  sim: Simulation
  /** Hop events as built, before encoding. */
  events: HopEventInput[]
}

/** Offsets from 0 by default: two runs of one seed produce byte-identical records (dead letters name their source offsets). */
export async function startVirtualRun(options: SimulatorOptionsInput, until?: number, transport = new LocalTransport({ firstOffset: 0 })): Promise<VirtualRun> {
  const events: HopEventInput[] = []
  const sim = await Simulation.create({
    transport,
    config: loadConfig({}),
    options: { clock: 'virtual', start: TUESDAY, maxEventsPerSecond: 1e9, ...options },
    onHopEvent: (e) => events.push(e),
  })
  if (until === undefined) await sim.run()
  else {
    if (options.showcase !== false) sim.engine.showcase(sim.liveStart)
    await sim.runVirtual(until)
  }
  return { transport, sim, events }
}

export async function stopVirtualRun(run: VirtualRun): Promise<void> {
  await run.sim.close()
  await run.transport.close()
}
