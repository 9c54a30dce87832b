import type { OutgoingRecord, ProducedRecord, BusRecord, Transport } from '../../server/bus/port'
import type { HubMessage } from '../../server/domain/flow-messages'
import type { HopError, HopEventInput } from '../../server/domain/hop-event'
import type { HopSpec, Replay, Trail } from '../hop'
import type { PlantModel, SystemKey } from '../model'
import type { Outbox } from '../outbox'
import type { Rng } from '../prng'
import type { Scheduler } from '../scheduler'
import type { PlantTopics } from '../topics'
import type { World } from '../world'
import type { DeadLetterReason } from './dlq'
import type { SimErp } from './erp'

/**
 * What every step of the hub shares — receiving (receive.ts), posting with its retries and waits
 * (posting.ts), dead-lettering (dead-letter.ts): the hub's dependencies and counters, the postings
 * waiting on a dependency, and the transaction in flight with its trail of hops.
 */

export interface DeadLetterNotice {
  plant: PlantModel
  topics: PlantTopics
  dlq: ProducedRecord
  record: OutgoingRecord
  error: HopError
  reason: DeadLetterReason
  at: number
  /** The replayable message (for a partial posting: the failed movement). */
  message?: HubMessage
}

export interface HubDeps {
  seed: string
  plants: PlantModel[]
  topics: PlantTopics[]
  groupId: string
  transport: Transport
  sched: Scheduler
  out: Outbox
  erp: SimErp
  world: World
  emit(event: HopEventInput, plant: PlantModel, system: SystemKey): void
  /** Records older than this are handled as if they arrived now (a backlog from an earlier run). */
  startTime: number
  onDeadLetter?(notice: DeadLetterNotice): void
}

export interface HubStats {
  received: number
  replays: number
  postingRequests: number
  posted: number
  reconciled: number
  partial: number
  failedAttempts: number
  retriesScheduled: number
  waiting: number
  invalid: number
  deadLettered: Record<DeadLetterReason, number>
}

export interface Txn {
  record: BusRecord
  plant: PlantModel
  topics: PlantTopics
  msg?: HubMessage
  trail: Trail
  rng: Rng
  attempt: number
  /** The last call ended in a timeout: look ERP up before posting again. */
  unknownOutcome: boolean
  firstFailedAt?: number
  lastError?: HopError
  wait?: { key: string; deadline: number }
  waitToken: number
  replay?: Replay
}

/** A source topic's plant and topics. */
export interface Route {
  plant: PlantModel
  topics: PlantTopics
}

/** The hub as its steps see it (Hub, hub.ts). */
export interface HubCore {
  readonly deps: HubDeps
  readonly stats: HubStats
  /** Postings waiting on a dependency key (a stock deficit) until a transfer posts or stock shows up. */
  readonly waiters: Map<string, Set<Txn>>
  /** Postings received and not settled yet: what a stop hands to the next start (state.ts). */
  readonly inFlight: Set<Txn>
}

/** Records the hop on the transaction's trail now and emits it at its own time. */
export function emitAt(hub: HubCore, tx: Txn, spec: HopSpec, from?: { eventId?: string; spanId?: string }): void {
  const event = tx.trail.hop(spec, from)
  hub.deps.sched.at(spec.at, () => hub.deps.emit(event, tx.plant, spec.system))
}

/** The posting reached its last hop at `at` (posted, partially posted, dead-lettered): nothing left to resume. */
export function settle(hub: HubCore, tx: Txn, at: number): void {
  hub.deps.sched.at(at, () => hub.inFlight.delete(tx))
}
