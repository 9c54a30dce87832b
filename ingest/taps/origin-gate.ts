import type { HopEvent } from '../../server/domain/hop-event'
import type { OriginCache } from '../telemetry/origin-cache'
import { originOf } from '../telemetry/normalise'

/**
 * The hops of one transaction come from different taps (the MES's record on one topic, the hub's
 * posting and ERP's acknowledgement on others), each read by a pipeline of its own at its own pace.
 * A hop without an origin takes its transaction's origin from the taps' shared OriginCache, filled
 * by the hop that has one. When the tap that fills it is behind (a backlog, a restart catching up),
 * a hop read first got its own time as origin, and its transaction became two rows: the one without
 * the posting "stuck" (seen: 7,920 stuck transactions in a week of the demo's tapped plant).
 *
 * So a hop without an origin whose transaction is unknown waits until every other running tap has
 * read past the hop's record time, is itself waiting on a later record, or has nothing left to read,
 * at most MAX_WAIT_MS. Record times order the taps: the systems publish in the order things happen.
 * A tap's origins reach the cache as it reads (`take`), before the pipeline normalises its hop, so
 * a waiter let go by a tap's progress finds what that tap read.
 */

/** Longest a hop waits for the other taps; past it, waits stop for GIVE_UP_MS (a tap that stopped moving). */
export const MAX_WAIT_MS = 10_000
const GIVE_UP_MS = 60_000

export interface TapClock {
  readonly name: string
  /** The record time of the record being read. */
  reading: number
  /** The record time of the last record read to the end (its origin, if any, in the cache). */
  done: number
  waiting: boolean
}

interface Waiter {
  clock: TapClock
  at: number
  correlationId: string
  release(): void
}

export class OriginGate {
  private readonly clocks = new Map<TapClock, () => boolean>()
  private readonly waiters = new Set<Waiter>()
  private givenUpUntil = 0

  constructor(
    private readonly origins: OriginCache,
    private readonly onGiveUp: (tap: string) => void = () => undefined,
  ) {}

  /** A tap's clock; `idle` says whether it has nothing left to read (or is not running). */
  register(name: string, idle: () => boolean): TapClock {
    const clock: TapClock = { name, reading: -Infinity, done: -Infinity, waiting: false }
    this.clocks.set(clock, idle)
    return clock
  }

  /** A tap gone: nobody waits for it, and its own waiters go on. */
  unregister(clock: TapClock): void {
    this.clocks.delete(clock)
    this.release(clock)
    this.wake()
  }

  /** Lets the waiters of a tap that is stopping go on (its pipeline waits for them). */
  release(clock: TapClock): void {
    for (const w of [...this.waiters]) if (w.clock === clock) w.release()
  }

  /**
   * One record's hop, read by the tap of `clock`: waits if it has no origin and its transaction is
   * unknown, then puts its origin in the cache (normalise takes the same one again) and moves the clock.
   */
  async take(clock: TapClock, at: number, event: HopEvent): Promise<void> {
    clock.reading = at
    if (event.origin_time === undefined && this.origins.peek(event.correlation_id) === undefined && !this.mayPass(clock, at, event.correlation_id))
      await this.wait(clock, at, event.correlation_id)
    originOf(event, this.origins)
    clock.done = Math.max(clock.done, at)
    if (this.waiters.size > 0) this.wake()
  }

  private mayPass(clock: TapClock, at: number, correlationId: string): boolean {
    if (Date.now() < this.givenUpUntil || this.origins.peek(correlationId) !== undefined) return true
    for (const [other, idle] of this.clocks) {
      if (other === clock || other.done >= at || idle()) continue
      // Waiting on a later record: it has nothing before `at` left to put in the cache. Equal times
      // go by name, so two taps never wait on each other.
      if (other.waiting && (other.reading > at || (other.reading === at && other.name > clock.name))) continue
      return false
    }
    return true
  }

  private wait(clock: TapClock, at: number, correlationId: string): Promise<void> {
    return new Promise((resolve) => {
      const started = Date.now()
      const waiter: Waiter = {
        clock,
        at,
        correlationId,
        release: () => {
          clearInterval(timer)
          this.waiters.delete(waiter)
          clock.waiting = false
          resolve()
        },
      }
      // `idle` changes without a read (a lag refresh), and the bound needs a clock of its own.
      const timer = setInterval(() => {
        if (Date.now() - started >= MAX_WAIT_MS) {
          this.givenUpUntil = Date.now() + GIVE_UP_MS
          this.onGiveUp(clock.name)
          waiter.release()
        } else if (this.mayPass(clock, at, correlationId)) waiter.release()
      }, 100)
      clock.waiting = true
      this.waiters.add(waiter)
      // A new waiter may be what another one waits for (it waits on a later record).
      this.wake()
    })
  }

  private wake(): void {
    for (const w of [...this.waiters]) if (this.waiters.has(w) && this.mayPass(w.clock, w.at, w.correlationId)) w.release()
  }
}
