import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileTap } from '../ingest/taps/map'
import { LocalTransport } from '../server/bus/local'
import type { BusRecord } from '../server/bus/port'
import { loadConfig } from '../server/config'
import type { HopEventInput } from '../server/domain/hop-event'
import { loadTapsFile } from '../server/taps-file'
import { EMBEDDED_TAPPED_PLANT, parseSimulatorOptions, simulatorOptionsFromEnv, type SimulatorOptionsInput } from './options'
import { Simulation } from './simulator'
import { DEMO_TAPS_FILE, idocNumber, tappedTopics } from './tapped'
import { decodeHop, readTopics } from './testing/records'
import { MIN, startVirtualRun, stopVirtualRun, TUESDAY, type VirtualRun } from './testing/virtual-run'

/**
 * A tapped plant (option `tappedPlants`) on the in-process bus: a seeded virtual run of the five
 * demo plants, 3000 tapped, read back from the bus. Its systems must put no hop event on the
 * telemetry topic and publish, per first step, posting attempt and acknowledgement of each flow the
 * hub posts, one plain business record of the system that would have reported it — in time order,
 * keyed by the originating system's id of the transaction, with the failure mix showing as error
 * acknowledgements.
 */

const TAPPED = '3000'
const topics = tappedTopics(TAPPED)
type Json = Record<string, unknown>
const json = (r: BusRecord) => JSON.parse(r.value!.toString('utf8')) as Json
const FLOWS = ['production_confirmation', 'goods_movement', 'inventory_transfer', 'shipment']
/** The originating system's id of the transaction a record belongs to. */
const idOf = (v: Json) => (v.MES_CONF_ID ?? v.MES_GI_ID ?? v.WMS_TRANSFER_ID ?? v.WMS_SHIPMENT_ID) as string
/** That id under the name a hop's flow gives it. */
const idFieldOf = (e: HopEventInput) =>
  ({ production_confirmation: { MES_CONF_ID: e.correlation_id }, goods_movement: { MES_GI_ID: e.correlation_id }, inventory_transfer: { WMS_TRANSFER_ID: e.correlation_id }, shipment: { WMS_SHIPMENT_ID: e.correlation_id } })[
    e.flow as 'shipment'
  ]
/** Operation, material, lot and quantities, those that have a value (JSON drops the rest). */
const orderKeys = (b: NonNullable<HopEventInput['business']>) => JSON.parse(JSON.stringify({ operation: b.operation, material: b.material, lot: b.lot, quantity: b.quantity })) as unknown

describe('a tapped plant', () => {
  let run: VirtualRun
  let built: HopEventInput[]
  let business: BusRecord[]
  const on = (topic: string) => business.filter((r) => r.topic === topic)
  const builtOf = (type: string) => built.filter((e) => FLOWS.includes(e.flow) && e.event_type === type)

  beforeAll(async () => {
    run = await startVirtualRun({ seed: 11, plants: 5, lines: 2, rate: 2, duration: '20m', operators: false, tappedPlants: [TAPPED] })
    built = run.events.filter((e) => e.plant === TAPPED)
    business = await readTopics(run.transport, Object.values(topics))
  }, 120_000)
  afterAll(() => stopVirtualRun(run))

  it('puts none of its hop events on the telemetry topic, while the other plants keep theirs', async () => {
    const telemetry = (await readTopics(run.transport, [run.sim.telemetryTopic])).map((r) => decodeHop(r).event)
    expect(built.length, 'the plant ran').toBeGreaterThan(200)
    expect(telemetry.filter((e) => e.plant === TAPPED)).toEqual([])
    expect(new Set(telemetry.map((e) => e.plant))).toEqual(new Set(['1000', '1100', '2000', '2100']))
    expect(telemetry.length).toBe(run.events.length - built.length)
  })

  it('publishes one record per confirmation, goods issue, warehouse movement, posting attempt and acknowledgement, keyed by the originating id, with no Linetrace header', () => {
    expect(on(topics.confirmations).length).toBe(builtOf('production.operation_confirmed').length)
    expect(on(topics.goodsIssues).length).toBe(builtOf('inventory.material_consumed').length)
    expect(on(topics.goodsIssues).length).toBeGreaterThan(5)
    // The warehouse's first steps only: its put-away after a confirmation stays inside the plant.
    const transfers = builtOf('inventory.transfer_posted').filter((e) => e.flow === 'inventory_transfer')
    expect(transfers.length).toBeGreaterThan(0)
    expect(builtOf('shipment.loaded').length).toBeGreaterThan(0)
    expect(on(topics.warehouse).length).toBe(transfers.length + builtOf('shipment.loaded').length)
    expect(on(topics.postings).length).toBe(builtOf('erp.posting_requested').length)
    const outcomes = ['erp.posting_succeeded', 'erp.posting_failed', 'erp.posting_partially_succeeded'].flatMap(builtOf)
    expect(on(topics.acks).length).toBe(outcomes.length)
    expect(business.length).toBeGreaterThan(100)
    for (const r of business) {
      expect(r.key?.toString('utf8')).toBe(idOf(json(r)))
      expect(Object.keys(r.headers)).toEqual(['content-type'])
    }
    expect(run.sim.stats().tapped).toEqual({
      plants: [TAPPED],
      records: Object.fromEntries(Object.values(topics).map((t) => [t, on(t).length])),
    })
  })

  it('writes the MES confirmation with the order, operation, material, lot, quantities and times the MES hop had', () => {
    const byId = new Map(builtOf('production.operation_confirmed').map((e) => [e.correlation_id, e]))
    for (const r of on(topics.confirmations)) {
      const c = json(r)
      const e = byId.get(c.MES_CONF_ID as string)!
      expect(e, `${String(c.MES_CONF_ID)} was confirmed`).toBeDefined()
      expect(c).toMatchObject({
        MESSAGE_TYPE: 'ProductionConfirmation',
        PLANT: TAPPED,
        WORK_ORDER: e.business!.work_order,
        OPERATION: '0010',
        MATERIAL: e.business!.material,
        LOT: e.business!.lot,
        YIELD_QTY: e.business!.quantity!.good,
        SCRAP_QTY: e.business!.quantity!.scrap,
        UOM: 'PC',
        COUNTED_AT: e.origin_time,
        CONFIRMED_AT: e.occurred_at,
      })
      expect(Number(r.timestamp)).toBe(Date.parse(e.occurred_at))
    }
  })

  it("writes the warehouse's transfer or delivery goods issue with the material, batch, quantity, locations and time its hop had", () => {
    const byId = new Map(built.filter((e) => e.hop === 'wms' && (e.flow === 'inventory_transfer' || e.flow === 'shipment')).map((e) => [e.correlation_id, e]))
    const kinds = new Set<unknown>()
    for (const r of on(topics.warehouse)) {
      const m = json(r)
      const e = byId.get(idOf(m))!
      expect(e, `${idOf(m)} moved`).toBeDefined()
      kinds.add(m.MESSAGE_TYPE)
      expect(m).toEqual({
        MESSAGE_TYPE: e.flow === 'shipment' ? 'DeliveryGoodsIssue' : 'StockTransfer',
        ...idFieldOf(e),
        PLANT: TAPPED,
        MATERIAL: e.business!.material,
        BATCH: e.business!.lot,
        QUANTITY: e.business!.quantity!.good,
        UOM: e.business!.quantity!.uom,
        MOVEMENT_TYPE: e.flow === 'shipment' ? '601' : '311',
        FROM_STORAGE_LOCATION: e.attributes?.from_storage_location ?? e.storage_location,
        ...(e.flow === 'shipment' ? { DELIVERY: e.business!.shipment } : { TO_STORAGE_LOCATION: e.attributes!.to_storage_location }),
        HANDLING_UNIT: e.business!.handling_unit,
        POSTED_AT: e.occurred_at,
      })
      expect(Number(r.timestamp)).toBe(Date.parse(e.occurred_at))
    }
    expect(kinds).toEqual(new Set(['DeliveryGoodsIssue', 'StockTransfer']))
  })

  it('gives every posting attempt its own IDoc number, which its acknowledgement names', () => {
    const postings = on(topics.postings).map(json)
    const docnums = postings.map((p) => (p.EDI_DC40 as Json).DOCNUM as string)
    expect(new Set(docnums).size).toBe(docnums.length)
    for (const d of docnums) expect(d).toMatch(/^\d{16}$/)
    const acks = on(topics.acks).map(json)
    // Every ack answers a posting, except the idempotency look-ups that find a document without sending one.
    const answered = acks.filter((a) => docnums.includes(a.DOCNUM as string))
    expect(answered.length).toBeGreaterThan(acks.length * 0.9)
    for (const p of postings) {
      expect(p).toMatchObject({ PLANT: TAPPED, EDI_DC40: { SNDPRN: `HUB${TAPPED}`, MESTYP: expect.stringMatching(/^(ZPRODCONF|MBGMCR)$/) } })
      // An order's posting names the order; a delivery's, the delivery; a transfer, neither.
      const item = p.ITEM as Json
      if (p.MES_CONF_ID ?? p.MES_GI_ID) expect(item.AUFNR).toMatch(/^\d+$/)
      else expect([item.AUFNR, item.VBELN !== undefined]).toEqual([undefined, p.WMS_SHIPMENT_ID !== undefined])
    }
    const requested = builtOf('erp.posting_requested')
    expect(docnums.sort()).toEqual(requested.map(idocNumber).sort())
  })

  it('acknowledges posted documents with 53 and the document, failures with 51 and the message class, number and text of the error', () => {
    const acks = on(topics.acks).map(json)
    const byDoc = new Map(acks.map((a) => [a.DOCNUM as string, a]))
    const posted = builtOf('erp.posting_succeeded')
    const failed = builtOf('erp.posting_failed')
    expect(posted.length).toBeGreaterThan(20)
    expect(failed.length, 'the failure mix reaches the tapped plant').toBeGreaterThan(0)
    for (const e of posted) expect(byDoc.get(idocNumber(e))).toMatchObject({ STATUS: '53', STATYP: 'S', BELNR: e.business!.erp_document, ...idFieldOf(e) })
    for (const e of failed) {
      const [id, no] = e.error!.code.split(/[/_]/)
      expect(byDoc.get(idocNumber(e))).toMatchObject({ STATUS: '51', STATYP: 'E', STAMID: id, STAMNO: no, STATXT: e.error!.text, ...idFieldOf(e) })
    }
    for (const e of builtOf('erp.posting_partially_succeeded'))
      expect(byDoc.get(idocNumber(e))).toMatchObject({ STATUS: '52', STATYP: 'W', BELNR: e.business!.erp_document, STATXT: e.error!.text })
  })

  it('is mapped by the default tap set into the hops its MES, hub and ERP would have reported, failed acknowledgements with their category', async () => {
    // loadTapsFile checks the file as start-up does: the zod schema and every expression compiled.
    const taps = loadTapsFile(join(process.cwd(), DEMO_TAPS_FILE))
    expect(taps.map((t) => t.topic).sort()).toEqual(Object.values(tappedTopics(EMBEDDED_TAPPED_PLANT)).sort())
    // What npm start does with it (scripts/serve.ts): the file as TAPS_FILE.
    expect(loadConfig({ TAPS_FILE: join(process.cwd(), DEMO_TAPS_FILE) }).taps).toEqual(taps)
    const byTopic = new Map(taps.map((t) => [t.topic, compileTap(t)]))
    // The hop each record stands for: same transaction, type and time (what the tap reads from the record).
    const hopOf = new Map(built.map((e) => [`${e.correlation_id} ${e.event_type} ${Date.parse(e.occurred_at)}`, e]))
    const HOP: Record<string, string> = { 'production.operation_confirmed': 'mes', 'inventory.material_consumed': 'mes', 'inventory.transfer_posted': 'wms', 'shipment.loaded': 'wms', 'erp.posting_requested': 'hub' }
    const first = (type: string) => HOP[type] === 'mes' || HOP[type] === 'wms'
    const seen = new Map<string, number>()
    for (const record of business) {
      const result = await byTopic.get(record.topic)!.map(record)
      if (!result.ok) throw new Error(`${record.topic}@${record.offset}: ${result.message}`)
      const { event } = result
      const hop = hopOf.get(`${event.correlation_id} ${event.event_type} ${Date.parse(event.occurred_at)}`)
      expect(hop, `${record.topic}@${record.offset} maps to a hop the plant had (${event.event_type} of ${event.correlation_id})`).toBeDefined()
      const b = hop!.business ?? {}
      const expected = {
        event_type: hop!.event_type,
        hop: HOP[hop!.event_type] ?? 'erp',
        status: hop!.status,
        flow: hop!.flow,
        plant: TAPPED,
        origin_time: first(hop!.event_type) ? new Date(hop!.origin_time!).toISOString() : undefined,
        work_order: b.work_order,
        erp_document: hop!.event_type === 'erp.posting_requested' ? undefined : b.erp_document,
        // First-pass success counts attempts: the postings' attempt travels in the records.
        attempt: first(hop!.event_type) ? undefined : (hop!.attempt ?? 1),
        error: hop!.error ? { category: hop!.error.category, code: hop!.error.code, text: hop!.error.text } : undefined,
      }
      expect({
        event_type: event.event_type,
        hop: event.hop,
        status: event.status,
        flow: event.flow,
        plant: event.plant,
        origin_time: event.origin_time === undefined ? undefined : new Date(event.origin_time).toISOString(),
        work_order: event.business?.work_order,
        erp_document: event.business?.erp_document,
        attempt: event.attempt,
        error: event.error ? { category: event.error.category, code: event.error.code, text: event.error.text } : undefined,
      }).toEqual(expected)
      if (hop!.event_type !== 'erp.posting_succeeded' && hop!.event_type !== 'erp.posting_failed' && hop!.event_type !== 'erp.posting_partially_succeeded')
        expect(orderKeys(event.business ?? {}), `${hop!.event_type} keys`).toEqual(orderKeys(b))
      const kind = `${event.event_type} ${event.error?.category ?? ''}`.trim()
      seen.set(kind, (seen.get(kind) ?? 0) + 1)
    }
    // The run's failure mix, as the taps read it: rejected postings (permanent), a deficit (dependency), an HTTP error (transient), COGI (partial).
    for (const kind of ['production.operation_confirmed', 'inventory.material_consumed', 'inventory.transfer_posted', 'shipment.loaded', 'erp.posting_requested', 'erp.posting_succeeded', 'erp.posting_failed permanent', 'erp.posting_failed dependency', 'erp.posting_failed transient', 'erp.posting_partially_succeeded partial'])
      expect(seen.get(kind) ?? 0, kind).toBeGreaterThan(0)
  })

  it('publishes each topic in time order per transaction', () => {
    for (const topic of Object.values(topics)) {
      const last = new Map<string, number>()
      for (const r of on(topic)) {
        const key = r.key!.toString('utf8')
        expect(Number(r.timestamp), `${topic} ${key}`).toBeGreaterThanOrEqual(last.get(key) ?? 0)
        last.set(key, Number(r.timestamp))
      }
    }
  })
})

describe('a restart with a tapped plant', () => {
  it('resumes its postings: every confirmation posted before the stop is acknowledged, after it if need be, and none twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-sim-tapped-'))
    try {
      const start = Date.parse(TUESDAY)
      const stop = start + 9 * MIN
      const acks: Json[][] = []
      const confirmed: string[] = []
      const events: HopEventInput[] = []
      // Like npm start: the in-process bus starts empty each time, the simulator's state directory is kept.
      for (const [from, until] of [
        [start, stop],
        [stop + 2 * MIN, stop + 17 * MIN],
      ] as const) {
        const transport = new LocalTransport()
        const options: SimulatorOptionsInput = { clock: 'virtual', seed: 5, plants: 5, lines: 2, rate: 6, maxEventsPerSecond: 1e9, operators: false, start: from, tappedPlants: [TAPPED] }
        const sim = await Simulation.create({ transport, config: loadConfig({}), options, onHopEvent: (e) => events.push(e), stateDir: dir })
        if (from === start) sim.engine.showcase(sim.liveStart)
        await sim.runVirtual(until)
        await sim.close()
        const records = await readTopics(transport, [topics.confirmations, topics.acks])
        if (from === start) confirmed.push(...records.filter((r) => r.topic === topics.confirmations).map((r) => json(r).MES_CONF_ID as string))
        acks.push(records.filter((r) => r.topic === topics.acks).map(json))
        await transport.close()
      }
      const parked = new Set(events.filter((e) => e.plant === TAPPED && e.status === 'dead_lettered').map((e) => e.correlation_id))
      const final = acks.flat().filter((a) => a.STATUS === '53' || a.STATUS === '52')
      const finalIds = new Set(final.map(idOf))
      expect(confirmed.length).toBeGreaterThan(500)
      expect(confirmed.filter((id) => !finalIds.has(id) && !parked.has(id)), 'confirmations neither posted nor dead-lettered').toEqual([])
      const afterRestart = new Set(acks[1]!.filter((a) => a.STATUS === '53' || a.STATUS === '52').map(idOf))
      expect(confirmed.filter((id) => afterRestart.has(id)).length, 'postings in flight at the stop, acknowledged after the restart').toBeGreaterThan(3)
      // A document booked once per confirmation; a resumed attempt that finds it booked says so ("Already posted").
      const booked = final.filter((a) => a.STATUS === '53' && !String(a.STATXT).startsWith('Already posted')).map(idOf)
      expect(booked.length, 'no transaction booked twice').toBe(new Set(booked).size)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})

describe('the tapped plants option', () => {
  it('refuses plants the run does not simulate, and a plant that is also an OTLP plant', async () => {
    const transport = new LocalTransport({ firstOffset: 0 })
    const create = (options: object) => Simulation.create({ transport, config: loadConfig({}), options: { plants: 5, ...options } })
    await expect(create({ plants: 2, tappedPlants: [TAPPED] })).rejects.toThrow(/Tapped plants 3000 are not among the simulated plants \(1000, 1100\)/)
    await expect(create({ tappedPlants: [TAPPED], otlpPlants: ['2100', TAPPED] })).rejects.toThrow(/3000 are named both as OTLP and as tapped plants/)
    await transport.close()
  })

  it('taps plant 3000 in the embedded demo unless SIMULATOR_TAPPED_PLANTS says otherwise', () => {
    const tapped = (env: Record<string, string>) => parseSimulatorOptions(simulatorOptionsFromEnv(env)).tappedPlants
    expect(tapped({})).toEqual([TAPPED])
    expect(tapped({ SIMULATOR_TAPPED_PLANTS: 'none' })).toEqual([])
    expect(tapped({ SIMULATOR_TAPPED_PLANTS: '1000,3000' })).toEqual(['1000', TAPPED])
    // Only when the run has it, and not when it was made the OTLP plant.
    expect(tapped({ SIMULATOR_PLANTS: '4' })).toEqual([])
    expect(tapped({ SIMULATOR_OTLP_PLANTS: '3000' })).toEqual([])
    expect(parseSimulatorOptions({}).tappedPlants).toEqual([])
    expect(() => simulatorOptionsFromEnv({ SIMULATOR_TAPPED_PLANTS: '3000,plant 9!' })).toThrow(/SIMULATOR_TAPPED_PLANTS/)
    // Checked with the other settings, before npm start builds anything.
    expect(() => simulatorOptionsFromEnv({ SIMULATOR_TAPPED_PLANTS: '3000', SIMULATOR_OTLP_PLANTS: '2100,3000' })).toThrow(/both name 3000: a plant reports one way/)
  })
})
