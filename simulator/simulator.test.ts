import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lastHeaderText } from '../server/bus/headers'
import { LocalTransport } from '../server/bus/local'
import type { BusRecord } from '../server/bus/port'
import { hopEventSchema } from '../server/domain/hop-event'
import { byTransaction, type Hop } from './testing/hops'
import { decodeHop, readTopics } from './testing/records'
import { MIN, startVirtualRun, stopVirtualRun, TUESDAY, type VirtualRun } from './testing/virtual-run'

/**
 * A seeded run on the simulated clock and the in-process bus: 14 simulated minutes of five plants,
 * including the start-up showcase. Everything is checked on what went over the bus (decoded with
 * the test's own reading of EVENT-MODEL.md), not on the simulator's internals.
 */

const types = (list: Hop[]) => list.map((e) => e.event_type)
const has = (list: Hop[], type: string, pred: (e: Hop) => boolean = () => true) => list.some((e) => e.event_type === type && pred(e))

describe('a seeded run', () => {
  let run: VirtualRun
  let wire: BusRecord[]
  let decoded: Hop[]
  let txns: Map<string, Hop[]>

  beforeAll(async () => {
    run = await startVirtualRun({ seed: 11, plants: 5, lines: 2, rate: 1, duration: '14m', operators: false })
    wire = await readTopics(run.transport, [run.sim.telemetryTopic])
    decoded = wire.map((r) => decodeHop(r).event as Hop)
    txns = byTransaction(decoded)
  })
  afterAll(() => stopVirtualRun(run))

  const find = (what: string, pred: (list: Hop[]) => boolean): Hop[] => {
    for (const list of txns.values()) if (pred(list)) return list
    throw new Error(`no transaction shows ${what} among ${txns.size}`)
  }

  it('puts every hop event on the telemetry topic, each valid against hopEventSchema as built and as decoded', () => {
    expect(wire.length).toBe(run.events.length)
    expect(wire.length).toBeGreaterThan(1_000)
    const invalid = [...run.events, ...decoded].map((e) => hopEventSchema.safeParse(e)).filter((r) => !r.success)
    expect(invalid.map((r) => r.error?.issues)).toEqual([])
    // Every hop carries what correlates it: origin time, idempotency key, trace context.
    const incomplete = decoded.filter((e) => !e.origin_time || !e.idempotency_key || !e.trace_id || !e.span_id || !e.source)
    expect(incomplete.map((e) => e.event_type)).toEqual([])
  })

  it('A happy path: machine count → MES confirmation → hub → ERP document → warehouse putaway', () => {
    const a = find('flow A', (l) => l[0]!.flow === 'production_confirmation' && has(l, 'erp.posting_succeeded', (e) => e.attempt === 1) && !l.some((e) => e.error))
    expect(types(a)).toEqual([
      'shopfloor.production_counted',
      'production.operation_confirmed',
      'integration.message_received',
      'integration.validated',
      'integration.transformed',
      'erp.posting_requested',
      'erp.posting_succeeded',
      'inventory.transfer_posted',
    ])
    expect(a.map((e) => e.hop)).toEqual(['machine', 'mes', 'hub', 'hub', 'hub', 'erp', 'erp', 'wms'])
    const posted = a.find((e) => e.event_type === 'erp.posting_succeeded')!
    expect(posted.business?.erp_document).toMatch(/^49\d{8}$/)
    expect(posted.business?.work_order).toMatch(/^\d{12}$/)
    expect(posted.business?.lot).toMatch(/^\d{10}$/)
    // One transaction: one correlation id, origin time, idempotency key and trace on every hop, chained causally.
    for (const field of ['origin_time', 'idempotency_key', 'trace_id'] as const) expect(new Set(a.map((e) => e[field])).size).toBe(1)
    for (let i = 1; i < a.length; i++) {
      expect(a[i]!.causation_id).toBe(a[i - 1]!.event_id)
      expect(a[i]!.parent_span_id).toBe(a[i - 1]!.span_id)
    }
  })

  it('B transient lock: retries after 30 s and 2 min, attempt 3 succeeds', () => {
    const b = find('flow B', (l) => has(l, 'erp.posting_failed', (e) => e.error?.code === 'CO/007') && has(l, 'erp.posting_succeeded', (e) => e.attempt === 3))
    const retries = b.filter((e) => e.event_type === 'erp.retry_scheduled')
    expect(retries.map((e) => [e.status, e.attributes?.retry_in_ms])).toEqual([
      ['retrying', '30000'],
      ['retrying', '120000'],
    ])
    expect(b.find((e) => e.event_type === 'erp.posting_failed')!.error).toMatchObject({ category: 'transient', retryable: true, text: expect.stringMatching(/^Order \d{12} is already being processed by \w+/) })
  })

  it('C dependency: M7/021 waits for the matching transfer, then posts', () => {
    const c = find('flow C', (l) => has(l, 'erp.posting_failed', (e) => e.error?.category === 'dependency') && has(l, 'erp.posting_succeeded'))
    const failed = c.find((e) => e.error?.category === 'dependency')!
    expect(failed.error).toMatchObject({ code: 'M7/021', text: expect.stringMatching(/^Deficit of /), dependency_key: expect.stringMatching(/^mat:\w+\|plant:\w+\|sloc:\d+/) })
    expect(has(c, 'erp.retry_scheduled', (e) => e.attributes?.trigger === 'dependency' && e.attributes.dependency_key === failed.error!.dependency_key)).toBe(true)
    const transfer = find('the resolving transfer', (l) => has(l, 'inventory.transfer_posted', (e) => e.flow === 'inventory_transfer' && e.attributes?.dependency_key === failed.error!.dependency_key))
    const transferPosted = transfer.find((e) => e.event_type === 'erp.posting_succeeded')!
    const waitingPosted = c.find((e) => e.event_type === 'erp.posting_succeeded')!
    expect(transferPosted.occurred_at < waitingPosted.occurred_at).toBe(true)
  })

  it('C bound: a deficit nobody resolves is dead-lettered after 10 minutes', () => {
    const c = find('a dependency timeout', (l) => has(l, 'erp.posting_dead_lettered', (e) => e.error?.category === 'dependency'))
    const failed = Date.parse(c.find((e) => e.event_type === 'erp.posting_failed')!.occurred_at)
    const dead = Date.parse(c.find((e) => e.event_type === 'erp.posting_dead_lettered')!.occurred_at)
    expect(dead - failed).toBeGreaterThanOrEqual(10 * MIN)
    expect(dead - failed).toBeLessThan(11 * MIN)
  })

  it.each([
    ['D period closed', 'M7/053', /^Posting only possible in periods \d{4}\/\d{2} and \d{4}\/\d{2} in company code \w+$/],
    ['E master data', 'M3/305', /^Material \w+ not maintained in plant \w+$/],
    ['F TECO', 'BS/013', /^System status TECO is active \(ORD \d{12}\)$/],
    ['authorization', 'M7/120', /^No authorization for movement type \d+ in plant \w+/],
    ['account determination', 'M8/147', /^Account determination for entry INT GBB ____ VBR \d+ not possible$/],
  ])('%s: %s is dead-lettered at once, without retries', (_flow, code, text) => {
    const list = find(code, (l) => has(l, 'erp.posting_failed', (e) => e.error?.code === code))
    expect(list.find((e) => e.event_type === 'erp.posting_failed')!.error).toMatchObject({ category: 'permanent', retryable: false, text: expect.stringMatching(text) })
    expect(has(list, 'erp.retry_scheduled')).toBe(false)
    const dead = list.find((e) => e.event_type === 'erp.posting_dead_lettered')!
    expect(dead).toMatchObject({ status: 'dead_lettered', hop: 'hub', error: { code } })
    expect(dead.attributes?.dlq_topic).toMatch(/(-dlt|\.dlq)$/)
  })

  it('G partial: the confirmation posts, the failed backflush goes to the DLQ alone', () => {
    const g = find('flow G', (l) => has(l, 'erp.posting_partially_succeeded'))
    const partial = g.find((e) => e.event_type === 'erp.posting_partially_succeeded')!
    expect(partial).toMatchObject({ status: 'partial', error: { category: 'partial', source_code: 'COGI' }, business: { erp_document: expect.stringMatching(/^49/) } })
    expect(has(g, 'inventory.transfer_posted', (e) => e.hop === 'wms')).toBe(true)
  })

  it('H quality hold: placed in QMS, applied in MES, WMS and ERP, and the held lot is used meanwhile (leakage)', () => {
    const h = find('flow H', (l) => has(l, 'quality.hold_placed') && has(l, 'quality.hold_released'))
    const placed = h.find((e) => e.event_type === 'quality.hold_placed')!
    const released = h.find((e) => e.event_type === 'quality.hold_released')!
    expect(h.filter((e) => e.event_type === 'quality.hold_applied').map((e) => e.hop).sort()).toEqual(['erp', 'mes', 'wms'])
    const leaks = decoded.filter(
      (e) =>
        (e.event_type === 'inventory.material_consumed' || e.event_type === 'shipment.loaded') &&
        e.business?.lot === placed.business?.lot &&
        e.occurred_at > placed.occurred_at &&
        e.occurred_at < released.occurred_at,
    )
    expect(leaks.length).toBeGreaterThan(0)
  })

  it('I timeout: HTTP 504, then the idempotency lookup finds the document instead of posting twice', () => {
    const i = find('flow I', (l) => has(l, 'erp.posting_failed', (e) => e.error?.code === 'HTTP_504') && has(l, 'erp.posting_succeeded', (e) => e.attributes?.reconciled === 'true'))
    expect(i.filter((e) => e.event_type === 'erp.posting_requested')).toHaveLength(1)
    expect(i.find((e) => e.error?.code === 'HTTP_504')!.error).toMatchObject({ category: 'transient', http_status: 504 })
  })

  it('shows every error category and the SAP-like codes of each', () => {
    const errors = decoded.filter((e) => e.error).map((e) => e.error!)
    expect(new Set(errors.map((e) => e.category))).toEqual(new Set(['transient', 'dependency', 'permanent', 'partial']))
    const codes = new Set(errors.map((e) => e.code))
    for (const code of ['CO/007', 'HTTP_429', 'HTTP_503', 'HTTP_504', 'M7/021', 'M7/053', 'BS/013', 'M3/305', 'M7/120', 'M8/147']) expect(codes).toContain(code)
  })

  it('reports equipment states and good/scrap counts with the ideal cycle time (OEE)', () => {
    const states = decoded.filter((e) => e.event_type === 'shopfloor.equipment_state_changed')
    const seen = new Set(states.map((e) => e.attributes?.state))
    expect(seen).toContain('RUNNING')
    expect(['IDLE', 'DOWN', 'SETUP'].some((s) => seen.has(s))).toBe(true)
    expect(states.length).toBeGreaterThanOrEqual(10)
    expect(states.every((e) => e.hop === 'machine' && e.flow === 'equipment_state' && e.line && e.attributes?.ideal_cycle_time_ms)).toBe(true)
    const counts = decoded.filter((e) => e.event_type === 'shopfloor.production_counted')
    expect(counts.every((e) => typeof e.business?.quantity?.good === 'number' && typeof e.business.quantity.scrap === 'number')).toBe(true)
    expect(counts.reduce((n, e) => n + (e.business?.quantity?.scrap ?? 0), 0)).toBeGreaterThan(0)
  })

  it('mixes the three encodings, plain JSON dominating, keyed by correlation id with a traceparent header', () => {
    const encodings = wire.map((r) => decodeHop(r).encoding)
    const share = (e: string) => encodings.filter((x) => x === e).length / encodings.length
    expect(share('json')).toBeGreaterThan(0.55)
    expect(share('cloudevents-structured')).toBeGreaterThan(0.03)
    expect(share('cloudevents-binary')).toBeGreaterThan(0.03)
    for (const r of wire) {
      const { event } = decodeHop(r)
      expect(r.key?.toString()).toBe(event.correlation_id)
      expect(lastHeaderText(r.headers, 'traceparent')).toBe(`00-${event.trace_id}-${event.span_id}-01`)
    }
  })

  it('starts from the requested simulated time', () => {
    const first = Math.min(...run.events.map((e) => Date.parse(e.occurred_at)))
    expect(first).toBeGreaterThanOrEqual(Date.parse(TUESDAY))
  })
})

describe('records lost before the hub reads them', () => {
  it('does not stall the run: a bus that keeps less than was written (retention) costs a warning, not a wait per step', async () => {
    // A 4 KiB cap per partition: most source records are gone before the hub's consumer gets to them.
    const started = Date.now()
    const run = await startVirtualRun({ seed: 2, plants: 2, lines: 2, rate: 2, duration: '10m', operators: false, showcase: false }, undefined, new LocalTransport({ maxPartitionBytes: 4096 }))
    try {
      const s = run.sim.stats()
      expect(s.hub.received).toBeLessThan(s.sourceMessages)
      expect(s.phase).toBe('done')
      expect(Date.now() - started).toBeLessThan(15_000)
    } finally {
      await stopVirtualRun(run)
    }
  })
})

describe('determinism', () => {
  const records = async (seed: number) => {
    const run = await startVirtualRun({ seed, plants: 3, lines: 2, rate: 2, duration: '4m', operators: false })
    try {
      const all = await readTopics(run.transport, /.*/)
      return all.map((r) => ({
        at: `${r.topic}/${r.partition}/${r.offset}`,
        key: r.key?.toString('hex'),
        value: r.value?.toString('utf8'),
        headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map((b) => b.toString('hex'))])),
        timestamp: r.timestamp,
      }))
    } finally {
      await stopVirtualRun(run)
    }
  }

  it('the same seed gives byte-identical records on every topic; another seed does not', async () => {
    const [a, b, c] = [await records(7), await records(7), await records(8)]
    expect(a.length).toBeGreaterThan(1_000)
    expect(b).toEqual(a)
    expect(c.slice(0, 50)).not.toEqual(a.slice(0, 50))
  })
})
