import { simulatorLogger, type SimulatorDeps } from './deps'
import { Simulation } from './simulator'
import type { SimulatorStats } from './stats'

export interface SimulatorHandle {
  stop(): Promise<void>
  stats(): SimulatorStats
  /** Settles when the run ends by itself (duration reached) or fails. */
  done: Promise<void>
  simulation: Simulation
}

/**
 * Starts the simulator on a transport the caller owns (the in-process bus in `npm start`, Kafka in
 * the CLI) and returns at once; `done` settles when a run with a duration ends. stop() ends the
 * run, produces what is pending and stops the hub's consumer; it does not close the transport.
 */
export async function startSimulator(deps: SimulatorDeps): Promise<SimulatorHandle> {
  const simulation = await Simulation.create(deps)
  const log = simulatorLogger(deps)
  const done = simulation.run().catch((error: unknown) => {
    simulation.phase = 'failed'
    log.error({ err: error }, 'simulator stopped by an error')
    throw error
  })
  // The caller may never await `done`; a failure is logged above either way.
  done.catch(() => {})
  let stopped: Promise<void> | undefined
  return {
    simulation,
    done,
    stats: () => simulation.stats(),
    stop: () =>
      (stopped ??= (async () => {
        simulation.requestStop()
        await done.catch(() => {})
        await simulation.close()
        if (simulation.phase !== 'failed' && simulation.phase !== 'done') simulation.phase = 'stopped'
      })()),
  }
}
