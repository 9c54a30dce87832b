import type { Transport } from '../server/bus/port'
import type { Config } from '../server/config'
import type { HopEventInput } from '../server/domain/hop-event'
import { logger as rootLogger, type Logger } from '../server/logger'
import type { LoopShare } from './loop-share'
import type { SimulatorOptionsInput } from './options'

/** What a simulation runs on and reports to (Simulation.create, startSimulator). */
export interface SimulatorDeps {
  transport: Transport
  config: Config
  options?: SimulatorOptionsInput
  /** Used as given (the caller names the component, e.g. `logger.child({ component: 'simulator' })`); default: the root logger's simulator child. */
  logger?: Logger
  /** Every hop event as built, before encoding (tests check them against the contract). */
  onHopEvent?: (event: HopEventInput) => void
  /**
   * Where the simulator remembers its backfill and the work in flight at a stop (state.ts), so the
   * next start neither writes the history again nor leaves transactions half-way. `npm start`:
   * DATA_DIR/simulator. Absent: every start is a first start.
   */
  stateDir?: string
  /**
   * Records the ingest worker has yet to store (its consumer group's lag on the telemetry topic).
   * Faster than real time, the simulator waits while it is above BACKLOG_HIGH (simulator.ts): the in-process bus
   * drops the oldest records of a partition past its size cap, so an unpaced backfill would lose data.
   */
  backlog?: () => Promise<number>
  /**
   * The older part of a backfill written in two parts (options.backfillRecent) begins once this
   * settles. `npm start`: when the console serves. A first start builds the console while the
   * recent part is written; the older part beside it would hold the build back, and the console's
   * start shares the simulator's JavaScript thread.
   */
  olderHistoryAfter?: Promise<unknown>
  /** A run that ends (an older history): the simulated operators replay nothing after this time (operators.ts). */
  replayBy?: number
  /**
   * The share of the JavaScript thread the older part of a backfill may take (loop-share.ts). `npm
   * start`: 0.6, the console shares the thread. Absent: as fast as the ingest takes it.
   */
  olderHistoryShare?: number
  /** Pauses after each step of a run faster than real time (an older history's, from olderHistoryShare). */
  loopShare?: LoopShare
}

/** The caller's logger already carries its component: adding ours again would log the key twice. */
export function simulatorLogger(deps: SimulatorDeps): Logger {
  return deps.logger ?? rootLogger.child({ component: 'simulator' })
}
