import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { HubMessage } from '../server/domain/flow-messages'
import type { HopError } from '../server/domain/hop-event'
import type { Logger } from '../server/logger'
import type { SimulatorOptionsInput } from './options'
import type { ReportedTo } from './reported'

/**
 * What the embedded simulator remembers between starts, in `<stateDir>/simulator-state.json`
 * (`npm start`: DATA_DIR/simulator): where its history begins (a backfill happens once), and the
 * work it had in flight when it stopped cleanly — messages the plants had not sent yet, and records
 * the hub had received but not settled (posting, retrying, waiting on stock). The next start resumes them, so
 * a restart does not leave transactions half-way that no real plant would have abandoned.
 *
 * Written on a clean stop only: a snapshot taken while running could resume a transaction that
 * posted after it, and a second ERP document is worse than a stuck transaction.
 */

export interface PendingSend {
  plant: string
  message: HubMessage
  traceparent: string
  /** When the plant meant to send it. */
  at: number
}

/** A source record as the hub received it (values and headers are UTF-8 text in this simulator). */
export interface HeldRecord {
  topic: string
  partition: number
  offset: string
  key: string | null
  value: string | null
  headers: Record<string, string>
  timestamp: number
}

/** A record the hub had received: not handled yet (no `trail`), or handled and not settled. */
export interface HubInFlight {
  record: HeldRecord
  trail?: { lastEventId?: string; lastSpanId?: string }
  attempt: number
  unknownOutcome: boolean
  firstFailedAt?: number
  lastError?: HopError
  /** ERP booked it already (an HTTP 504 whose answer was lost): the next ERP must know the document. */
  posted?: { idempotencyKey: string; document: string; postedAt: number }
}

export interface InFlight {
  stoppedAt: number
  sends: PendingSend[]
  hub: HubInFlight[]
}

export interface SimulatorState {
  /**
   * Where this data directory's history begins: the first start's backfill start (or its live start
   * without one). Later starts do not backfill: that would write a second history over the first.
   */
  historyFrom?: string
  /**
   * The older part of the first start's backfill (options.backfillRecent, history.ts) while it is not
   * completely written: how far it got. Cleared when it is; a later start that finds it resumes it.
   */
  olderHistory?: OlderHistoryState
  inFlight?: InFlight
}

export interface OlderHistoryState {
  from: string
  to: string
  /** The options it was begun with: a resumed run must be the same simulation (reported.ts). */
  options?: SimulatorOptionsInput
  /** How far it reported (ReportedTo), once it began. */
  writtenTo?: string
  storedBefore?: string
}

const FILE = 'simulator-state.json'

/** The state of one start: read once at the start, written when it changes. Without a directory it remembers nothing. */
export class StateFile {
  private state: SimulatorState
  private readonly firstSeen: boolean

  constructor(
    private readonly dir: string | undefined,
    private readonly log: Logger,
  ) {
    this.state = dir === undefined ? {} : loadState(dir)
    this.firstSeen = this.state.historyFrom === undefined
    const cut = this.state.olderHistory
    if (cut) log.info({ from: cut.writtenTo ?? cut.from, to: cut.to }, 'an earlier start stopped before it wrote all of its history: this start writes the rest')
  }

  /** The older part of the history while it is not completely written (history.ts). */
  get olderHistory(): OlderHistoryState | undefined {
    return this.state.olderHistory
  }

  get historyFrom(): string | undefined {
    return this.state.historyFrom
  }

  /** No earlier start wrote to this state (or there is none): the demo's first minute, with its showcase. */
  get firstStart(): boolean {
    return this.firstSeen
  }

  /** The first start of a demo that remembers its starts: the one whose business numbers may be fixed. */
  get firstKeptStart(): boolean {
    return this.firstSeen && this.dir !== undefined
  }

  /** Before the first start writes anything: where its history begins, and the older part it will write last. */
  markHistoryFrom(at: number, older?: { from: number; to: number }): void {
    if (this.state.historyFrom) return
    const olderHistory = older && { from: new Date(older.from).toISOString(), to: new Date(older.to).toISOString() }
    this.save({ ...this.state, historyFrom: new Date(at).toISOString(), olderHistory })
  }

  /** The older history begins with these options (kept until it is written: a resumed run uses them). */
  olderHistoryBegun(options: SimulatorOptionsInput): void {
    const older = this.state.olderHistory
    if (older) this.save({ ...this.state, olderHistory: { ...older, options } })
  }

  /** The older history reported this far (`done`: it is completely written). */
  olderHistoryWritten(reported: ReportedTo, done: boolean): void {
    const older = this.state.olderHistory
    const iso = (at: number) => new Date(at).toISOString()
    if (older) this.save({ ...this.state, olderHistory: done ? undefined : { ...older, writtenTo: iso(reported.writtenTo), storedBefore: iso(reported.storedBefore) } })
  }

  /** The previous run's work in flight, handed out once: a second start must not resume it again. */
  takeInFlight(): InFlight | undefined {
    const { inFlight } = this.state
    if (inFlight) this.save({ ...this.state, inFlight: undefined })
    return inFlight
  }

  keepInFlight(inFlight: InFlight): void {
    if (this.dir === undefined) return
    try {
      this.save({ ...this.state, inFlight })
      this.log.info({ unsent: inFlight.sends.length, hub: inFlight.hub.length }, 'work in flight kept for the next start')
    } catch (error) {
      this.log.warn({ err: error, dir: this.dir }, 'could not keep the work in flight: the next start will show it as open transactions')
    }
  }

  private save(state: SimulatorState): void {
    this.state = state
    if (this.dir !== undefined) saveState(this.dir, state)
  }
}

export function loadState(dir: string): SimulatorState {
  try {
    return JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as SimulatorState
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new Error(`${join(dir, FILE)} is not readable simulator state (delete it to start afresh): ${(error as Error).message}`)
  }
}

/** Atomic: a crash while writing leaves the previous state, never half a file. */
export function saveState(dir: string, state: SimulatorState): void {
  mkdirSync(dir, { recursive: true })
  const tmp = join(dir, `${FILE}.tmp`)
  writeFileSync(tmp, JSON.stringify(state))
  renameSync(tmp, join(dir, FILE))
}
