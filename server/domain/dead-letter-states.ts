import type { DeadLetterStatus } from './dead-letters'

/**
 * The one place that says how a dead letter's status moves (DLQ-REPLAY.md "States of a dead
 * letter"): `new` → `triaged` (assigned / commented) → `replay_queued` → `replayed` → `resolved`
 * (telemetry confirmed) or `failed_again`; any open state → `discarded` (reason required). A record
 * not being replayed here becomes `resolved` too when telemetry shows its posting after it was
 * dead-lettered: replayed by another tool, or re-sent by its source; nothing is left to do.
 * Services apply a transition with a conditional update (`WHERE status IN from(event)`), so two
 * people acting at once cannot both move the same record. Pure, so client components may use it.
 */

export type DeadLetterEvent =
  /** assign or comment: a person looked at it */
  | 'triage'
  | 'queue_replay'
  | 'replay_produced'
  | 'resolve'
  /** telemetry shows the posting after the dead letter, with no replay from Linetrace in flight */
  | 'resolve_posted'
  /** the indexer saw the replayed transaction dead-letter again */
  | 'fail_again'
  | 'discard'

const RULES: Readonly<Record<DeadLetterEvent, { from: readonly DeadLetterStatus[]; to: DeadLetterStatus | 'same' }>> = {
  // A comment on a record in flight or failed again keeps its status; a fresh one becomes triaged.
  triage: { from: ['new', 'triaged', 'replay_queued', 'replayed', 'failed_again'], to: 'same' },
  queue_replay: { from: ['new', 'triaged', 'failed_again'], to: 'replay_queued' },
  replay_produced: { from: ['replay_queued'], to: 'replayed' },
  resolve: { from: ['replayed'], to: 'resolved' },
  resolve_posted: { from: ['new', 'triaged', 'failed_again'], to: 'resolved' },
  fail_again: { from: ['replayed'], to: 'failed_again' },
  discard: { from: ['new', 'triaged', 'failed_again'], to: 'discarded' },
}

export class TransitionError extends Error {
  constructor(
    readonly from: DeadLetterStatus,
    readonly event: DeadLetterEvent,
  ) {
    super(`A dead letter in status "${from}" cannot be ${EVENT_VERB[event]}.`)
    this.name = 'TransitionError'
  }
}

const EVENT_VERB: Record<DeadLetterEvent, string> = {
  triage: 'triaged',
  queue_replay: 'queued for a replay',
  replay_produced: 'marked replayed',
  resolve: 'resolved',
  resolve_posted: 'resolved as posted (only records not being replayed here can be)',
  fail_again: 'marked failed again',
  discard: 'discarded (only open records that are not being replayed can be)',
}

/** The states an event may start from: the guard of the conditional update. */
export function fromStates(event: DeadLetterEvent): readonly DeadLetterStatus[] {
  return RULES[event].from
}

export function canTransition(from: DeadLetterStatus, event: DeadLetterEvent): boolean {
  return RULES[event].from.includes(from)
}

/** The status after `event`, or a TransitionError naming why not. */
export function transition(from: DeadLetterStatus, event: DeadLetterEvent): DeadLetterStatus {
  if (!canTransition(from, event)) throw new TransitionError(from, event)
  const to = RULES[event].to
  if (to !== 'same') return to
  return from === 'new' ? 'triaged' : from
}
