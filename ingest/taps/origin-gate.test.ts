import { afterEach, describe, expect, it, vi } from 'vitest'
import type { BusRecord } from '../../server/bus/port'
import type { HopEvent } from '../../server/domain/hop-event'
import { OriginCache } from '../telemetry/origin-cache'
import { OriginGate, STALL_MS, type TapClock } from './origin-gate'

/** The gate alone, on taps of one partition each: which hop waits for which tap, and what origin its transaction ends up with. */

const T0 = Date.parse('2026-12-05T10:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString()

function hop(correlationId: string, at: number, origin?: number): HopEvent {
  return {
    event_id: `${correlationId}-${at}`,
    event_type: 'erp.posting_succeeded',
    schema_version: 1,
    occurred_at: iso(at),
    correlation_id: correlationId,
    flow: 'production_confirmation',
    hop: 'erp',
    status: 'ok',
    plant: '3000',
    source_system: 'ERP',
    ...(origin !== undefined && { origin_time: iso(origin) }),
  } as HopEvent
}

/** A tap reading one partition of its topic: `end` records in it, `next` the next one it reads. */
class Tap {
  end = 0
  next = 0
  running = true
  written = 0
  clock!: TapClock
  constructor(readonly topic: string) {}
  /** Records published to its topic. */
  publish(n = 1): void {
    this.end += n
  }
  /** Reads its next record, whose hop is `event`. */
  read(gate: OriginGate, at: number, event: HopEvent): Promise<void> {
    const record = { topic: this.topic, partition: 0, offset: String(this.next++), key: null, value: null, headers: {}, timestamp: at } as BusRecord
    return gate.take(this.clock, record, event)
  }
}

/** Whether `p` is still pending after the microtasks and a tick. */
async function pending(p: Promise<unknown>): Promise<boolean> {
  let settled = false
  void p.then(() => (settled = true))
  await new Promise((r) => setTimeout(r, 5))
  return !settled
}

function setup() {
  const origins = new OriginCache()
  const gaveUp: [string, string[]][] = []
  const gate = new OriginGate(origins, { onGiveUp: (tap, stalled) => gaveUp.push([tap, stalled]) })
  const taps = { mes: new Tap('mes.confirmations'), hub: new Tap('hub.postings'), erp: new Tap('erp.acks') }
  for (const [name, tap] of Object.entries(taps))
    tap.clock = gate.register(name, {
      running: () => tap.running,
      lag: async () => [{ topic: tap.topic, partition: 0, committed: String(tap.next), end: String(tap.end), lag: tap.end - tap.next }],
      progress: () => tap.written,
    })
  return { origins, gate, taps, gaveUp }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('the origin gate of the taps', () => {
  it('lets a hop with an origin, or of a known transaction, through at once and keeps its origin', async () => {
    const { origins, gate, taps } = setup()
    taps.hub.publish(5) // a backlog nobody needs to wait for here
    taps.mes.publish()
    await taps.mes.read(gate, T0 + 500, hop('c1', T0 + 500, T0))
    expect(origins.peek('c1')).toMatchObject({ iso: iso(T0), explicit: true })
    taps.erp.publish()
    await taps.erp.read(gate, T0 + 900, hop('c1', T0 + 900))
    expect(taps.erp.clock.waitingAt.size).toBe(0)
  })

  it('holds a hop of an unknown transaction until the tap behind reads the hop that has its origin', async () => {
    const { origins, gate, taps } = setup()
    // The ERP tap is ahead: the acknowledgement is read before the MES tap reached the confirmation.
    taps.mes.publish(2)
    taps.erp.publish()
    const ack = taps.erp.read(gate, T0 + 900, hop('c2', T0 + 900))
    expect(await pending(ack)).toBe(true)
    expect(taps.erp.clock.waitingAt.size).toBe(1)
    await taps.mes.read(gate, T0 + 100, hop('other', T0 + 100, T0 + 100))
    expect(await pending(ack), 'the MES tap has not read the confirmation yet').toBe(true)
    await taps.mes.read(gate, T0 + 300, hop('c2', T0 + 300, T0 + 250))
    await ack
    // Its transaction's origin, not its own time: one transaction, one row.
    expect(origins.peek('c2')).toMatchObject({ iso: iso(T0 + 250), explicit: true })
  })

  it('goes by what the other taps held, not by record times: a later record read first does not let it go', async () => {
    const { origins, gate, taps } = setup()
    // As in the demo's older history beside live traffic: the MES topic holds a live record, then the old confirmation.
    taps.mes.publish(2)
    taps.erp.publish()
    const ack = taps.erp.read(gate, T0 + 900, hop('c3', T0 + 900))
    await taps.mes.read(gate, T0 + 3_600_000, hop('live', T0 + 3_600_000, T0 + 3_600_000))
    expect(await pending(ack)).toBe(true)
    await taps.mes.read(gate, T0 + 300, hop('c3', T0 + 300, T0 + 300))
    await ack
    expect(origins.peek('c3')).toMatchObject({ iso: iso(T0 + 300) })
  })

  it("lets it go once the other taps read what they held, its transaction's first hop or not", async () => {
    const { origins, gate, taps } = setup()
    taps.mes.publish(2)
    taps.erp.publish()
    const ack = taps.erp.read(gate, T0 + 900, hop('c4', T0 + 900))
    taps.mes.publish(10) // published after the acknowledgement was read: not waited for
    await taps.mes.read(gate, T0 + 100, hop('x1', T0 + 100, T0 + 100))
    expect(await pending(ack)).toBe(true)
    await taps.mes.read(gate, T0 + 200, hop('x2', T0 + 200, T0 + 200))
    await ack
    expect(origins.peek('c4')).toMatchObject({ iso: iso(T0 + 900), explicit: false })
  })

  it('does not wait for a tap that is not running, and lets a stopping tap\'s waiters go', async () => {
    const { gate, taps } = setup()
    taps.mes.publish(3)
    taps.mes.running = false
    taps.erp.publish(2)
    await taps.erp.read(gate, T0, hop('c5', T0))
    taps.mes.running = true
    const next = taps.erp.read(gate, T0 + 1, hop('c6', T0 + 1))
    expect(await pending(next)).toBe(true)
    gate.release(taps.erp.clock)
    await next
  })

  it('never has two taps wait on each other: the earlier record goes first', async () => {
    const { origins, gate, taps } = setup()
    taps.hub.publish()
    taps.erp.publish()
    const ack = taps.erp.read(gate, T0 + 900, hop('c7', T0 + 900))
    const posting = taps.hub.read(gate, T0 + 800, hop('c7', T0 + 800))
    await posting
    await ack
    expect(origins.peek('c7')).toMatchObject({ iso: iso(T0 + 800) })

    taps.hub.publish()
    taps.erp.publish()
    await Promise.all([taps.erp.read(gate, T0 + 2_000, hop('c8', T0 + 2_000)), taps.hub.read(gate, T0 + 2_000, hop('c9', T0 + 2_000))])
  })

  it('waits as long as the tap it waits for keeps reading or writing, gives up on one that stopped, says so, and stops waiting for a while', async () => {
    vi.useFakeTimers()
    const { gate, taps, gaveUp } = setup()
    taps.mes.publish(100)
    taps.erp.publish(2)
    const ack = taps.erp.read(gate, T0, hop('c10', T0))
    // A backlog: the MES tap reads a record a second, for longer than STALL_MS.
    for (let i = 0; i < 15; i++) {
      await vi.advanceTimersByTimeAsync(1_000)
      await taps.mes.read(gate, T0 + i, hop(`x${i}`, T0 + i, T0 + i))
    }
    expect(taps.erp.clock.waitingAt.size).toBe(1)
    // Then it reads nothing while it writes what it read, for longer than STALL_MS: still moving.
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(STALL_MS / 2)
      taps.mes.written += 5
    }
    expect(taps.erp.clock.waitingAt.size).toBe(1)
    // Then it stops altogether.
    await vi.advanceTimersByTimeAsync(STALL_MS - 1_000)
    expect(taps.erp.clock.waitingAt.size).toBe(1)
    await vi.advanceTimersByTimeAsync(1_500)
    await ack
    expect(gaveUp).toEqual([['erp', ['mes']]])
    await taps.erp.read(gate, T0 + 1, hop('c11', T0 + 1))
    expect(taps.erp.clock.waitingAt.size).toBe(0)
  })

  it('forgets a tap that is gone', async () => {
    const { gate, taps } = setup()
    taps.mes.publish()
    taps.erp.publish()
    const ack = taps.erp.read(gate, T0, hop('c12', T0))
    expect(await pending(ack)).toBe(true)
    gate.unregister(taps.mes.clock)
    await ack
  })

  it('recalls the stored origins of the transactions it does not know, asking only for those, and lets a failed lookup wait instead', async () => {
    const origins = new OriginCache()
    const asked: string[][] = []
    const gate = new OriginGate(origins, {
      stored: async (ids) => {
        asked.push(ids)
        if (ids.includes('broken')) throw new Error('ClickHouse is down')
        return new Map(ids.filter((id) => id !== 'new').map((id) => [id, iso(T0 - 60_000)]))
      },
    })
    origins.set('cached', { iso: iso(T0 - 1), explicit: true })
    await gate.recall([hop('stored', T0), hop('stored', T0 + 1), hop('cached', T0), hop('own', T0, T0), hop('new', T0)])
    expect(asked).toEqual([['stored', 'new']])
    expect(origins.peek('stored')).toEqual({ iso: iso(T0 - 60_000), explicit: true })
    expect(origins.peek('new')).toBeUndefined()
    expect(origins.peek('own')).toBeUndefined()
    await gate.recall([hop('broken', T0)])
    expect(origins.peek('broken')).toBeUndefined()
    // Nothing unknown: no lookup.
    await gate.recall([hop('stored', T0 + 2)])
    expect(asked).toHaveLength(2)
  })
})
