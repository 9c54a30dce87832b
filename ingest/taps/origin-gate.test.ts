import { afterEach, describe, expect, it, vi } from 'vitest'
import type { HopEvent } from '../../server/domain/hop-event'
import { OriginCache } from '../telemetry/origin-cache'
import { MAX_WAIT_MS, OriginGate } from './origin-gate'

/** The gate alone: which hop waits for which tap, and what origin its transaction ends up with. */

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

/** Whether `p` is still pending after the microtasks and a tick. */
async function pending(p: Promise<unknown>): Promise<boolean> {
  let settled = false
  void p.then(() => (settled = true))
  await new Promise((r) => setTimeout(r, 5))
  return !settled
}

function setup() {
  const origins = new OriginCache()
  const gaveUp: string[] = []
  const gate = new OriginGate(origins, (tap) => gaveUp.push(tap))
  const idle = { mes: false, hub: false, erp: false }
  const clocks = {
    mes: gate.register('mes', () => idle.mes),
    hub: gate.register('hub', () => idle.hub),
    erp: gate.register('erp', () => idle.erp),
  }
  return { origins, gate, idle, clocks, gaveUp }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('the origin gate of the taps', () => {
  it('lets a hop with an origin, or of a known transaction, through at once and keeps its origin', async () => {
    const { origins, gate, clocks } = setup()
    await gate.take(clocks.mes, T0, hop('c1', T0 + 500, T0))
    expect(origins.peek('c1')).toMatchObject({ iso: iso(T0), explicit: true })
    await gate.take(clocks.erp, T0 + 900, hop('c1', T0 + 900))
    expect(clocks.erp).toMatchObject({ done: T0 + 900, waiting: false })
  })

  it('holds a hop of an unknown transaction until the tap behind reads the hop that has its origin', async () => {
    const { origins, gate, clocks, idle } = setup()
    idle.hub = true
    // The ERP tap is ahead: its acknowledgement comes before the MES tap reached the confirmation.
    const ack = gate.take(clocks.erp, T0 + 900, hop('c2', T0 + 900))
    expect(await pending(ack)).toBe(true)
    expect(clocks.erp.waiting).toBe(true)
    await gate.take(clocks.mes, T0 + 100, hop('other', T0 + 100, T0 + 100))
    expect(await pending(ack), 'the MES tap is not past the acknowledgement yet').toBe(true)
    await gate.take(clocks.mes, T0 + 300, hop('c2', T0 + 300, T0 + 250))
    await ack
    // Its transaction's origin, not its own time: one transaction, one row.
    expect(origins.peek('c2')).toMatchObject({ iso: iso(T0 + 250), explicit: true })
  })

  it('lets it go when every other tap has read past its time, or has nothing left to read', async () => {
    const { origins, gate, clocks, idle } = setup()
    const ack = gate.take(clocks.erp, T0 + 900, hop('c3', T0 + 900))
    await gate.take(clocks.mes, T0 + 1_000, hop('later', T0 + 1_000, T0 + 1_000))
    expect(await pending(ack), 'the hub tap is still behind').toBe(true)
    idle.hub = true
    await ack // the gate looks again on its own (idle changes without a read)
    expect(origins.peek('c3')).toMatchObject({ iso: iso(T0 + 900), explicit: false })
  })

  it('never has two taps wait on each other: the earlier record goes first', async () => {
    const { origins, gate, clocks, idle } = setup()
    idle.mes = true
    const ack = gate.take(clocks.erp, T0 + 900, hop('c4', T0 + 900))
    const posting = gate.take(clocks.hub, T0 + 800, hop('c4', T0 + 800))
    await posting
    await ack
    expect(origins.peek('c4')).toMatchObject({ iso: iso(T0 + 800) })

    const a = gate.take(clocks.erp, T0 + 2_000, hop('c5', T0 + 2_000))
    const b = gate.take(clocks.hub, T0 + 2_000, hop('c6', T0 + 2_000))
    await Promise.all([a, b])
  })

  it('gives up after MAX_WAIT_MS on a tap that does not move, says so, and stops waiting for a while', async () => {
    vi.useFakeTimers()
    const { gate, clocks, gaveUp } = setup()
    const ack = gate.take(clocks.erp, T0, hop('c7', T0))
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS - 200)
    expect(clocks.erp.waiting).toBe(true)
    await vi.advanceTimersByTimeAsync(300)
    await ack
    expect(gaveUp).toEqual(['erp'])
    await gate.take(clocks.erp, T0 + 1, hop('c8', T0 + 1))
    expect(clocks.erp.waiting).toBe(false)
  })

  it('lets the waiters of a stopping tap go, and forgets a tap that is gone', async () => {
    const { gate, clocks, idle } = setup()
    const ack = gate.take(clocks.erp, T0, hop('c9', T0))
    gate.release(clocks.erp)
    await ack
    idle.hub = true
    const next = gate.take(clocks.erp, T0 + 1, hop('c10', T0 + 1))
    expect(await pending(next)).toBe(true)
    gate.unregister(clocks.mes)
    await next
  })
})
