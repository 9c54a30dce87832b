import type { BusConsumer, BusRecord } from '../../server/bus/port'
import { lastHeaderText } from '../../server/bus/headers'
import type { Replay } from '../hop'
import type { HeldRecord, HubInFlight } from '../state'
import type { HubCore, HubDeps, HubStats, Route, Txn } from './core'
import { receive, resumePosting } from './receive'

/**
 * The reference integration hub: the middleware stand-in between the plants and ERP. It consumes
 * the plants' source topics, validates and transforms each message, posts it to the simulated
 * ERP, and reports every step as a hop event. It behaves like the middleware Linetrace watches:
 * - transient failures (locks, HTTP 429/503/504, CSRF) are retried with back-off (30 s, 2 min,
 *   5 min) and dead-lettered when attempts run out;
 * - a stock deficit waits on its dependency key until the matching transfer posts in ERP (or
 *   stock shows up at a periodic re-check), and is dead-lettered after a bound;
 * - permanent failures are dead-lettered at once (no retry storm on a closed period);
 * - an HTTP 504 means "outcome unknown": before retrying, the hub looks the idempotency key up in
 *   ERP and records a reconciled success if ERP did post (flow I);
 * - a replay (x-replay-id) is processed like live traffic with `replay` set on its hops, and is
 *   looked up by idempotency key first: one already posted yields a reconciled success with the
 *   existing document, never a second one.
 *
 * Records are handled on the simulated clock at their own timestamp (replays: at "now"), so what
 * happens depends on the record, not on when the bus delivered it.
 *
 * This class is the intake (consuming, ordering and scheduling records); each step lives beside
 * it: receive.ts (validation, transformation, holds, releases), posting.ts (ERP postings, retries,
 * dependency waits) and dead-letter.ts.
 */

export class Hub implements HubCore {
  private consumer: BusConsumer | undefined
  private intake: BusRecord[] = []
  private intakeWaiter: { count: number; resolve: () => void } | undefined
  readonly waiters = new Map<string, Set<Txn>>()
  readonly inFlight = new Set<Txn>()
  /** Records scheduled for handling and not handled yet. */
  private readonly accepted = new Set<BusRecord>()
  private readonly bySource = new Map<string, Route>()
  readonly stats: HubStats = {
    received: 0,
    replays: 0,
    postingRequests: 0,
    posted: 0,
    reconciled: 0,
    partial: 0,
    failedAttempts: 0,
    retriesScheduled: 0,
    waiting: 0,
    invalid: 0,
    deadLettered: { permanent: 0, retries_exhausted: 0, dependency_timeout: 0, partial: 0, validation: 0 },
  }

  constructor(readonly deps: HubDeps) {
    for (const topics of deps.topics) {
      const plant = deps.plants.find((p) => p.code === topics.plant)
      if (plant) this.bySource.set(topics.source, { plant, topics })
    }
  }

  get sourceTopics(): string[] {
    return [...this.bySource.keys()]
  }

  async start(): Promise<void> {
    this.consumer = this.deps.transport.consumer({ groupId: this.deps.groupId, topics: this.sourceTopics, fromBeginning: true })
    // Records are only queued here; the driver hands them to the scheduler in a fixed order.
    await this.consumer.run(async (batch) => {
      for (const r of batch.records) this.intake.push(r)
      this.stats.received += batch.records.length
      if (this.intakeWaiter && this.stats.received >= this.intakeWaiter.count) {
        this.intakeWaiter.resolve()
        this.intakeWaiter = undefined
      }
    })
  }

  async stop(): Promise<void> {
    await this.consumer?.stop()
    this.intakeWaiter?.resolve()
  }

  /** Lets a pending waitForIntake() return at once (stopping). */
  cancelWait(): void {
    this.intakeWaiter?.resolve()
    this.intakeWaiter = undefined
  }

  /**
   * Waits until `count` records were received: 'received', or 'missing' when the consumer has
   * nothing left to read although fewer arrived — retention deleted them before they were read
   * (a week of history on a broker keeping a day) — or 'timeout'.
   */
  async waitForIntake(count: number, timeoutMs: number): Promise<'received' | 'missing' | 'timeout'> {
    const deadline = Date.now() + timeoutMs
    // Growing slices: records usually arrive within milliseconds, and asking a broker for lag costs a round trip.
    for (let slice = 10; this.stats.received < count; slice = Math.min(250, slice * 2)) {
      const left = deadline - Date.now()
      if (left <= 0) return 'timeout'
      if (await this.received(count, Math.min(slice, left))) return 'received'
      const lag = await this.consumer?.lag().catch(() => undefined)
      if (lag && lag.every((l) => l.lag === 0) && this.stats.received < count) return 'missing'
    }
    return 'received'
  }

  private received(count: number, timeoutMs: number): Promise<boolean> {
    if (this.stats.received >= count) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.intakeWaiter = undefined
        resolve(false)
      }, timeoutMs)
      this.intakeWaiter = {
        count,
        resolve: () => {
          clearTimeout(timer)
          resolve(true)
        },
      }
    })
  }

  /** Schedules what arrived since the last call, sorted by time and position so the run does not depend on delivery order. */
  drainIntake(): number {
    if (this.intake.length === 0) return 0
    const records = this.intake
    this.intake = []
    records.sort(
      (a, b) =>
        a.timestamp - b.timestamp ||
        (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0) ||
        a.partition - b.partition ||
        (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1),
    )
    for (const r of records) this.accept(r)
    return records.length
  }

  private accept(record: BusRecord): void {
    const replay = replayOf(record)
    if (replay) this.stats.replays++
    // A replay happens now, whatever its original record's time; live records at their own time.
    const t0 = replay ? this.deps.sched.now : Math.max(record.timestamp, this.deps.startTime)
    this.accepted.add(record)
    this.deps.sched.at(t0, (t) => {
      this.accepted.delete(record)
      const route = this.bySource.get(record.topic)
      if (route) receive(this, route, record, t, replay)
    })
  }

  /**
   * What a stop leaves unsettled (state.ts): records received and not handled yet, and postings
   * handled and not settled — with their attempts, and the document of an HTTP 504 that did post.
   */
  inFlightState(): HubInFlight[] {
    const waiting = [...this.intake, ...this.accepted].map((record): HubInFlight => ({ record: held(record), attempt: 0, unknownOutcome: false }))
    const posting = [...this.inFlight].map((tx): HubInFlight => {
      const key = tx.trail.ctx.idempotencyKey
      const doc = key === undefined ? undefined : this.deps.erp.lookup(key)
      const posted = key !== undefined && doc ? { idempotencyKey: key, ...doc } : undefined
      return {
        record: held(tx.record),
        trail: { lastEventId: tx.trail.lastEventId, lastSpanId: tx.trail.lastSpanId },
        attempt: tx.attempt,
        unknownOutcome: tx.unknownOutcome,
        firstFailedAt: tx.firstFailedAt,
        lastError: tx.lastError,
        posted,
      }
    })
    return [...waiting, ...posting]
  }

  /** Takes over what the previous run left (inFlightState) at `t`: unhandled records are handled, postings go on. */
  resume(entries: readonly HubInFlight[], t: number): void {
    for (const entry of entries) {
      const record = busRecord(entry.record)
      const route = this.bySource.get(record.topic)
      if (!route) continue
      const replay = replayOf(record)
      if (entry.posted) this.deps.erp.remember(entry.posted.idempotencyKey, entry.posted)
      this.deps.sched.at(t, (tt) => (entry.trail ? resumePosting(this, route, record, tt, replay, entry) : receive(this, route, record, tt, replay)))
    }
  }
}

function replayOf(record: BusRecord): Replay | undefined {
  const replayId = lastHeaderText(record.headers, 'x-replay-id')
  if (!replayId) return undefined
  return {
    replay_id: replayId,
    requested_by: lastHeaderText(record.headers, 'x-replayed-by'),
    reason: lastHeaderText(record.headers, 'x-replay-reason'),
    edited: lastHeaderText(record.headers, 'x-replay-edited') === 'true' ? true : undefined,
  }
}

function held(record: BusRecord): HeldRecord {
  const headers: Record<string, string> = {}
  for (const name of Object.keys(record.headers)) {
    const value = lastHeaderText(record.headers, name)
    if (value !== undefined) headers[name] = value
  }
  const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'))
  return { topic: record.topic, partition: record.partition, offset: record.offset, key: text(record.key), value: text(record.value), headers, timestamp: record.timestamp }
}

function busRecord(r: HeldRecord): BusRecord {
  const buf = (s: string | null) => (s === null ? null : Buffer.from(s, 'utf8'))
  const headers = Object.fromEntries(Object.entries(r.headers).map(([name, value]) => [name, Buffer.from(value, 'utf8')]))
  return { topic: r.topic, partition: r.partition, offset: r.offset, key: buf(r.key), value: buf(r.value), headers, timestamp: r.timestamp }
}
