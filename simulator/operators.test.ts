import { describe, expect, it } from 'vitest'
import type { OutgoingRecord } from '../server/bus/port'
import type { Engine } from './engine/engine'
import type { DeadLetterNotice } from './hub/core'
import { buildPlants } from './model'
import { Operators } from './operators'
import type { Outbox } from './outbox'
import { Scheduler } from './scheduler'
import { plantTopics } from './topics'
import { World } from './world'

/**
 * The simulated operators alone, on the simulator's scheduler: dead letters whose cause is gone
 * (ERP back after retries ran out) and when each is replayed. None may stay open for good: one
 * forgotten dead letter per plant turned every plant's week amber and fired the dead-letter warning.
 */

const HOUR = 3_600_000
const T0 = Date.parse('2026-12-01T06:00:00Z')
const [plant] = buildPlants('ops', 1, 1)
const topics = plantTopics('lt', plant!)

function notice(i: number): DeadLetterNotice {
  return {
    plant: plant!,
    topics,
    dlq: { topic: topics.dlq, partition: 0, offset: String(i) },
    record: { key: `conf-${i}`, value: JSON.stringify({ message_type: 'ProductionConfirmation', correlation_id: `conf-${i}` }), headers: { traceparent: 'x' } },
    error: { category: 'transient', code: 'HTTP_503', text: 'Service unavailable', retryable: true },
    reason: 'retries_exhausted',
    at: T0 + i * 60_000,
    message: { message_type: 'ProductionConfirmation' } as DeadLetterNotice['message'],
  }
}

/** `count` dead letters, one a minute from T0; when each was replayed, by its DLQ offset. */
function run(count: number, replayBy?: number) {
  const sched = new Scheduler(T0)
  const replayed = new Map<string, number>()
  const out = { add: (_topic: string, r: OutgoingRecord) => replayed.set(String(r.headers!['x-replay-source']).split('/').at(-1)!, Number(r.timestamp)) } as unknown as Outbox
  const engine = { currentOrder: () => undefined } as unknown as Engine
  const ops = new Operators({ seed: 'ops', sched, world: new World(), out, engine, minDelayMs: 45 * 60_000, replayBy })
  for (let i = 0; i < count; i++) ops.onDeadLetter(notice(i))
  sched.runUntil(T0 + count * 60_000 + 48 * HOUR)
  const delays = [...Array(count).keys()].map((i) => (replayed.get(String(i)) ?? Infinity) - notice(i).at)
  return { ops, delays }
}

describe('the simulated operators', () => {
  it('replay every dead letter whose cause is gone, most within hours and about 1 in 100 the next shift, none after a day', () => {
    const { ops, delays } = run(3_000)
    expect(ops.stats).toMatchObject({ scheduled: 3_000, sent: 3_000, leftAlone: 0 })
    expect(Math.max(...delays)).toBeLessThan(24 * HOUR)
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(45 * 60_000)
    const nextShift = delays.filter((d) => d >= 6 * HOUR).length
    // Every one put off is 6 h late or more; a reaction from the exponential's tail rarely is too (e^-10.5 each).
    expect(nextShift).toBeGreaterThanOrEqual(ops.stats.nextShift)
    expect(nextShift - ops.stats.nextShift).toBeLessThanOrEqual(2)
    expect(nextShift).toBeGreaterThanOrEqual(10)
    expect(nextShift).toBeLessThanOrEqual(60)
  })

  it('replay nothing after the end of a run that ends (an older history and its tail)', () => {
    const end = T0 + 3 * HOUR
    const { ops, delays } = run(3_000, end)
    expect(ops.stats.nextShift).toBeGreaterThan(0)
    // Every dead letter before the end is replayed by then; those after it stay open.
    const before = delays.filter((_, i) => notice(i).at < end)
    expect(before.length).toBe(180)
    for (const [i, d] of before.entries()) expect(notice(i).at + d, `dead letter ${i}`).toBeLessThanOrEqual(end)
    expect(ops.stats).toMatchObject({ sent: 180, leftAlone: 3_000 - 180 })
  })
})
