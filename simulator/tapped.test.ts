import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalTransport } from '../server/bus/local'
import type { BusRecord } from '../server/bus/port'
import { loadConfig } from '../server/config'
import type { HopEventInput } from '../server/domain/hop-event'
import { parseSimulatorOptions, simulatorOptionsFromEnv } from './options'
import { Simulation } from './simulator'
import { idocNumber, tappedTopics } from './tapped'
import { decodeHop, readTopics } from './testing/records'
import { startVirtualRun, stopVirtualRun, type VirtualRun } from './testing/virtual-run'

/**
 * A tapped plant (option `tappedPlants`) on the in-process bus: a seeded virtual run of the five
 * demo plants, 3000 tapped, read back from the bus. Its systems must put no hop event on the
 * telemetry topic and publish, per hop of a production confirmation its MES, hub or ERP would have
 * reported, one plain business record — in time order, keyed by the confirmation id, with the
 * failure mix showing as error acknowledgements.
 */

const TAPPED = '3000'
const topics = tappedTopics(TAPPED)
type Json = Record<string, unknown>
const json = (r: BusRecord) => JSON.parse(r.value!.toString('utf8')) as Json

describe('a tapped plant', () => {
  let run: VirtualRun
  let built: HopEventInput[]
  let business: BusRecord[]
  const on = (topic: string) => business.filter((r) => r.topic === topic)
  const builtOf = (type: string) => built.filter((e) => e.flow === 'production_confirmation' && e.event_type === type)

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

  it('publishes one record per confirmation, posting attempt and acknowledgement, keyed by the confirmation id, with no Linetrace header', () => {
    expect(on(topics.confirmations).length).toBe(builtOf('production.operation_confirmed').length)
    expect(on(topics.postings).length).toBe(builtOf('erp.posting_requested').length)
    const outcomes = ['erp.posting_succeeded', 'erp.posting_failed', 'erp.posting_partially_succeeded'].flatMap(builtOf)
    expect(on(topics.acks).length).toBe(outcomes.length)
    expect(business.length).toBeGreaterThan(100)
    for (const r of business) {
      expect(r.key?.toString('utf8')).toBe(json(r).MES_CONF_ID)
      expect(Object.keys(r.headers)).toEqual(['content-type'])
    }
    expect(run.sim.stats().tapped).toEqual({
      plants: [TAPPED],
      records: { [topics.confirmations]: on(topics.confirmations).length, [topics.postings]: on(topics.postings).length, [topics.acks]: on(topics.acks).length },
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
      expect((p.ITEM as Json).AUFNR).toMatch(/^\d+$/)
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
    for (const e of posted) expect(byDoc.get(idocNumber(e))).toMatchObject({ STATUS: '53', STATYP: 'S', BELNR: e.business!.erp_document, MES_CONF_ID: e.correlation_id })
    for (const e of failed) {
      const [id, no] = e.error!.code.split(/[/_]/)
      expect(byDoc.get(idocNumber(e))).toMatchObject({ STATUS: '51', STATYP: 'E', STAMID: id, STAMNO: no, STATXT: e.error!.text, MES_CONF_ID: e.correlation_id })
    }
    for (const e of builtOf('erp.posting_partially_succeeded'))
      expect(byDoc.get(idocNumber(e))).toMatchObject({ STATUS: '52', STATYP: 'W', BELNR: e.business!.erp_document, STATXT: e.error!.text })
  })

  it('publishes each topic in time order per confirmation', () => {
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
  })
})
