import { performance, type EventLoopUtilization } from 'node:perf_hooks'

/**
 * How much of the JavaScript thread background history may take. The older part of a first start's
 * history (history.ts) is written while the console is live, in the same process: paced only by the
 * ingest backlog, the simulator and the ingest of its records kept the event loop busy without a
 * break (profiled on this 2-core machine: 71 s idle in 410 s, garbage collection 76 s, busy
 * stretches of 5–8 s). Every request waited behind them — a KPI request took 2–3 minutes — and so
 * did the replay resolver, so the dead letters its postings had already closed stayed open and
 * turned every plant red until the history was done.
 *
 * After each simulated step the history asks `pauseMs()`: the pause that brings the thread's
 * utilisation since the last ask down to `share`, so at least the rest is left to the console, the
 * resolver and live traffic. The history takes longer; the console answers meanwhile.
 */
export class LoopShare {
  private last: EventLoopUtilization

  constructor(
    private readonly share: number,
    /** The thread's busy and idle time so far (perf_hooks by default; tests pass their own). */
    private readonly utilization: () => EventLoopUtilization = () => performance.eventLoopUtilization(),
  ) {
    this.last = this.utilization()
  }

  /** Milliseconds to pause now (0 when under the share; at most 1 s, so the history never stalls). */
  pauseMs(): number {
    const now = this.utilization()
    const active = now.active - this.last.active
    const idle = now.idle - this.last.idle
    this.last = now
    // active / (active + idle + pause) = share
    const pause = active / this.share - (active + idle)
    return pause > 1 ? Math.min(1_000, Math.round(pause)) : 0
  }
}
