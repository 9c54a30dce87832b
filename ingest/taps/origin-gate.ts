import type { BusRecord, PartitionLag } from '../../server/bus/port'
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
 * read what its topics held when the hop was read (their consumer lag at that moment, per
 * partition): the first hop was published before this one, so it is in there. Offsets, not record
 * times: a topic's times need not grow (a late producer, the demo's older history beside live
 * traffic). Two deliveries waiting on each other go by record time, the earlier first; and no hop
 * waits longer than the taps it waits for keep moving (see STALL_MS). A tap's origins reach the
 * cache as it reads (`take`), before its pipeline writes them, so a waiter let go by a tap's
 * progress finds what that tap read.
 *
 * The cache only knows what was read since the process started: an acknowledgement in flight at a
 * restart, or the posting of a replayed dead letter days later, finds the first hop stored but not
 * cached, and would split its transaction just the same (seen: 4 stuck 6 min after a demo restart).
 * So before a delivery is taken, `recall` asks what is stored for the transactions the cache does
 * not know (OriginGateOptions.stored: one query per delivery).
 */

/**
 * A hop waits while the taps it waits for keep moving (reading or writing): a backlog takes as long
 * as it takes. One that neither read nor wrote for STALL_MS (and waits for nobody itself) has stopped:
 * the hop goes on, and hops go on without waiting for GIVE_UP_MS. MAX_WAIT_MS bounds a wait anyway.
 * (Reads alone are not enough: a tap reads its next delivery only once the last one is written, and
 * under a backlog a write waits its turn for seconds.)
 */
export const STALL_MS = 30_000
export const MAX_WAIT_MS = 5 * 60_000
const GIVE_UP_MS = 60_000

export interface TapProbe {
  /** Whether the tap is reading (a paused or stopped tap is not waited for). */
  running(): boolean
  /** Its consumer group's lag per partition, now. */
  lag(): Promise<PartitionLag[]>
  /** A count that grows while it works (records written). */
  progress(): number
}

export interface TapClock {
  readonly name: string
  /** Next offset to read, per `topic:partition` it read from. */
  readonly read: Map<string, bigint>
  /** Per `topic:partition` whose delivery waits here: the record time of the record it waits on. */
  readonly waitingAt: Map<string, number>
  /** When it last read a record or wrote (Date.now()), and its `progress()` then. */
  movedAt: number
  progress: number
}

/** An offset a tap must reach: `end` of `topic:partition`. */
interface Target {
  clock: TapClock
  key: string
  end: bigint
}

interface Waiter {
  clock: TapClock
  /** The partition whose delivery waits. */
  key: string
  at: number
  correlationId: string
  targets: Target[]
  release(): void
}

const partitionKey = (topic: string, partition: number) => `${topic}:${partition}`

export interface OriginGateOptions {
  /** Told once per give-up: the waiting tap and the taps it found stalled. */
  onGiveUp?: (tap: string, stalled: string[]) => void
  /** The origins already stored for these transactions (server/clickhouse/queries/origins.ts). */
  stored?: (correlationIds: string[]) => Promise<Map<string, string>>
}

export class OriginGate {
  private readonly probes = new Map<TapClock, TapProbe>()
  private readonly waiters = new Set<Waiter>()
  private givenUpUntil = 0

  constructor(
    private readonly origins: OriginCache,
    private readonly options: OriginGateOptions = {},
  ) {}

  register(name: string, probe: TapProbe): TapClock {
    const clock: TapClock = { name, read: new Map(), waitingAt: new Map(), movedAt: Date.now(), progress: probe.progress() }
    this.probes.set(clock, probe)
    return clock
  }

  /** A tap gone: nobody waits for it, and its own waiters go on. */
  unregister(clock: TapClock): void {
    this.probes.delete(clock)
    this.release(clock)
    this.wake()
  }

  /** Lets the waiters of a tap that is stopping go on (its pipeline waits for them). */
  release(clock: TapClock): void {
    for (const w of [...this.waiters]) if (w.clock === clock) w.release()
  }

  /**
   * A delivery's hops, before they are taken: the stored origins of the transactions that have none
   * and that the cache does not know go into the cache. A lookup that fails leaves them to the wait.
   */
  async recall(events: readonly HopEvent[]): Promise<void> {
    const { stored } = this.options
    const unknown = new Set<string>()
    for (const e of events) if (e.origin_time === undefined && this.origins.peek(e.correlation_id) === undefined) unknown.add(e.correlation_id)
    if (!stored || unknown.size === 0) return
    const found = await stored([...unknown]).catch(() => new Map<string, string>())
    for (const [id, iso] of found) if (this.origins.peek(id) === undefined) this.origins.set(id, { iso, explicit: true })
  }

  /**
   * One record's hop, read by the tap of `clock`: waits if it has no origin and its transaction is
   * unknown, then puts its origin in the cache (normalise takes the same one again) and moves the clock.
   */
  async take(clock: TapClock, record: BusRecord, event: HopEvent): Promise<void> {
    const key = partitionKey(record.topic, record.partition)
    if (event.origin_time === undefined && this.origins.peek(event.correlation_id) === undefined && Date.now() >= this.givenUpUntil)
      await this.hold(clock, key, record.timestamp, event.correlation_id)
    originOf(event, this.origins)
    const next = BigInt(record.offset) + 1n
    if (next > (clock.read.get(key) ?? -1n)) clock.read.set(key, next)
    clock.movedAt = Date.now()
    if (this.waiters.size > 0) this.wake()
  }

  /** What the other running taps have yet to read, as of now. */
  private async unread(clock: TapClock): Promise<Target[]> {
    const targets: Target[] = []
    await Promise.all(
      [...this.probes].map(async ([other, probe]) => {
        if (other === clock || !probe.running()) return
        // A lag that cannot be read is not waited for: the bound would only slow the tap down.
        for (const p of await probe.lag().catch(() => [])) if (p.lag > 0) targets.push({ clock: other, key: partitionKey(p.topic, p.partition), end: BigInt(p.end) })
      }),
    )
    return targets
  }

  private mayPass(w: Omit<Waiter, 'release'>): boolean {
    if (Date.now() < this.givenUpUntil || this.origins.peek(w.correlationId) !== undefined) return true
    return this.behind(w).length === 0
  }

  /** The taps `w` still waits for. */
  private behind(w: Omit<Waiter, 'release'>): TapClock[] {
    const behind = new Set<TapClock>()
    for (const { clock: other, key, end } of w.targets) {
      if (behind.has(other) || !this.probes.get(other)?.running() || (other.read.get(key) ?? -1n) >= end) continue
      // That partition waits here itself, on a later record: nothing before this one is left in it
      // to put in the cache. Equal times go by tap and partition, so no two wait on each other.
      const at = other.waitingAt.get(key)
      if (at !== undefined && (at > w.at || (at === w.at && `${other.name}\u0000${key}` > `${w.clock.name}\u0000${w.key}`))) continue
      behind.add(other)
    }
    return [...behind]
  }

  private async hold(clock: TapClock, key: string, at: number, correlationId: string): Promise<void> {
    const targets = await this.unread(clock)
    const pending = { clock, key, at, correlationId, targets }
    if (this.mayPass(pending)) return
    await new Promise<void>((resolve) => {
      const started = Date.now()
      const waiter: Waiter = {
        ...pending,
        release: () => {
          clearInterval(timer)
          this.waiters.delete(waiter)
          clock.waitingAt.delete(key)
          resolve()
        },
      }
      // A tap stops running without reading, and the bound needs a clock of its own.
      const timer = setInterval(() => {
        if (this.mayPass(waiter)) return waiter.release()
        const now = Date.now()
        const stalled = this.behind(waiter).filter((other) => other.waitingAt.size === 0 && !this.moved(other, now) && now - other.movedAt >= STALL_MS)
        if (stalled.length > 0 || now - started >= MAX_WAIT_MS) {
          this.givenUpUntil = now + GIVE_UP_MS
          this.options.onGiveUp?.(clock.name, stalled.map((other) => other.name))
          waiter.release()
        }
      }, 100)
      clock.waitingAt.set(key, at)
      this.waiters.add(waiter)
      // A new waiter may be what another one waits for (it waits on a later record).
      this.wake()
    })
  }

  /** Whether the tap wrote since last looked at (then it counts as moving now). */
  private moved(clock: TapClock, now: number): boolean {
    const progress = this.probes.get(clock)?.progress() ?? clock.progress
    if (progress === clock.progress) return false
    clock.progress = progress
    clock.movedAt = now
    return true
  }

  private wake(): void {
    for (const w of [...this.waiters]) if (this.waiters.has(w) && this.mayPass(w)) w.release()
  }
}
