import { describe, expect, it } from 'vitest'
import { canTransition, fromStates, transition, TransitionError } from './dead-letter-states'
import { OPEN_DEAD_LETTER_STATUSES, REPLAYABLE_DEAD_LETTER_STATUSES } from './dead-letters'

describe('dead-letter states (DLQ-REPLAY.md "States of a dead letter")', () => {
  it('walks new → triaged → replay_queued → replayed → resolved | failed_again', () => {
    expect(transition('new', 'triage')).toBe('triaged')
    expect(transition('triaged', 'queue_replay')).toBe('replay_queued')
    expect(transition('replay_queued', 'replay_produced')).toBe('replayed')
    expect(transition('replayed', 'resolve')).toBe('resolved')
    expect(transition('replayed', 'fail_again')).toBe('failed_again')
    expect(transition('failed_again', 'queue_replay')).toBe('replay_queued')
  })

  it('a comment keeps a record in flight or failed again where it is', () => {
    expect(transition('replay_queued', 'triage')).toBe('replay_queued')
    expect(transition('failed_again', 'triage')).toBe('failed_again')
  })

  it('discard only from open states not being replayed; closed states stay closed', () => {
    expect(fromStates('discard')).toEqual(['new', 'triaged', 'failed_again'])
    for (const s of ['replay_queued', 'replayed', 'resolved', 'discarded'] as const) expect(canTransition(s, 'discard')).toBe(false)
    expect(() => transition('resolved', 'triage')).toThrow(TransitionError)
    expect(() => transition('discarded', 'queue_replay')).toThrow(/cannot be queued for a replay/)
  })

  it('a posting seen after the dead letter resolves a record not being replayed here; one in a replay waits for its own outcome', () => {
    for (const s of ['new', 'triaged', 'failed_again'] as const) expect(transition(s, 'resolve_posted')).toBe('resolved')
    for (const s of ['replay_queued', 'replayed', 'resolved', 'discarded'] as const) expect(canTransition(s, 'resolve_posted')).toBe(false)
    expect(() => transition('replayed', 'resolve_posted')).toThrow(/resolved as posted/)
  })

  it('agrees with the replayable and open status lists', () => {
    expect([...fromStates('queue_replay')].sort()).toEqual([...REPLAYABLE_DEAD_LETTER_STATUSES].sort())
    expect([...fromStates('triage')].sort()).toEqual([...OPEN_DEAD_LETTER_STATUSES].sort())
  })
})
