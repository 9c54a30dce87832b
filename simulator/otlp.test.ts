import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorker } from '../ingest/worker'
import { LocalTransport } from '../server/bus/local'
import { chQuery } from '../server/clickhouse/exec'
import { searchTxns } from '../server/clickhouse/queries/txn'
import { loadConfig } from '../server/config'
import type { HopEventInput } from '../server/domain/hop-event'
import { logger } from '../server/logger'
import type { Runtime } from '../server/runtime'
import { txnStateParamsFor } from '../server/services/sla/book'
import { startTestRuntime } from '../server/testing/runtime'
import { erpAdapterService, hubService } from './otlp'
import { Simulation } from './simulator'

/**
 * A plant reporting through OpenTelemetry (option `otlpPlants`), end to end: a virtual run whose
 * plant 2100 hub and ERP adapter export real SDK spans, the whole ingest worker (hop-event and OTLP
 * pipelines, rollups) on embedded chDB + PGlite. Its hub and ERP hops must be stored from the
 * spans — ids, times, status and keys as the hub built them — and join its native MES hops in one
 * transaction each, whose state the console then judges as for any plant.
 */

const MIN = 60_000
const OTLP_PLANT = '2100'

let runtime: Runtime
let stopRuntime: () => Promise<void>
beforeAll(async () => {
  ;({ runtime, stop: stopRuntime } = await startTestRuntime())
}, 180_000)
afterAll(async () => {
  await stopRuntime?.()
})

interface StoredHop {
  event_id: string
  event_type: string
  trace_id: string
  span_id: string
  parent_span_id: string
  correlation_id: string
  origin_text: string
  occurred_text: string
  hop: string
  status: string
  error_category: string
  source_system: string
  work_order: string
  erp_document: string
}

const ms = (clickhouseTime: string) => Date.parse(`${clickhouseTime.replace(' ', 'T')}Z`)

describe('an OTLP plant in the simulator', () => {
  it('refuses OTLP plants the run does not simulate', async () => {
    const transport = new LocalTransport({ firstOffset: 0 })
    await expect(Simulation.create({ transport, config: loadConfig({}), options: { plants: 2, otlpPlants: [OTLP_PLANT] } })).rejects.toThrow(/2100 are not among the simulated plants \(1000, 1100\)/)
    await transport.close()
  })

  it('stores its hub and ERP hops from the spans, joined to its native MES hops in one transaction', async () => {
    const { config, clickhouse: ch, db } = runtime
    const start = Math.floor((Date.now() - 2 * 60 * MIN) / MIN) * MIN
    const end = start + 12 * MIN
    const built: HopEventInput[] = []
    const transport = new LocalTransport()
    const worker = await startWorker({ config, clickhouse: ch, prisma: db.prisma, transport, logger })
    const sim = await Simulation.create({
      transport,
      config,
      logger,
      options: { clock: 'virtual', seed: 11, plants: 5, lines: 2, rate: 2, start, duration: `${end - start}ms`, maxEventsPerSecond: 1e9, otlpPlants: [OTLP_PLANT] },
      onHopEvent: (e) => built.push(e),
    })
    await sim.run()
    await sim.close()
    expect(await worker.drain(120_000), 'everything produced was stored').toBe(0)
    await worker.stop()
    await transport.close()
    const stats = sim.stats()
    expect(stats.otlp.spans).toBeGreaterThan(100)
    expect(stats.otlp.requests).toBeGreaterThan(0)

    const fromSpans = built.filter((e) => e.plant === OTLP_PLANT && (e.source?.system === 'HUB' || e.source?.system === 'S/4HANA'))
    const { rows } = await chQuery<StoredHop>(ch, {
      name: 'test.otlpPlantHops',
      sql: `SELECT event_id, event_type, trace_id, span_id, parent_span_id, correlation_id, toString(origin_time) AS origin_text,
                   toString(occurred_at) AS occurred_text, hop, status, error_category, source_system, work_order, erp_document
            FROM ${ch.database}.hop_events FINAL
            WHERE plant = {p:String} AND origin_time >= {from:DateTime64(3, 'UTC')}`,
      params: { p: OTLP_PLANT, from: new Date(start - 60 * MIN) },
    })
    const otel = rows.filter((r) => r.source_system === hubService(OTLP_PLANT) || r.source_system === erpAdapterService(OTLP_PLANT))
    // Every hub and ERP hop the plant's hub built arrived as a span and nothing else: no hop event of theirs on the telemetry path.
    expect(otel.length).toBe(fromSpans.length)
    expect(rows.filter((r) => r.source_system === 'HUB' || r.source_system === 'S/4HANA')).toEqual([])
    const bySpan = new Map(otel.map((r) => [r.span_id, r]))
    for (const e of fromSpans) {
      const r = bySpan.get(e.span_id!)
      expect(r, `${e.event_type} ${e.span_id} stored from its span`).toBeDefined()
      expect({
        event_id: r!.event_id,
        event_type: r!.event_type,
        trace_id: r!.trace_id,
        parent_span_id: r!.parent_span_id,
        correlation_id: r!.correlation_id,
        origin: ms(r!.origin_text),
        occurred: ms(r!.occurred_text),
        hop: r!.hop,
        status: r!.status,
        error_category: r!.error_category,
        source: r!.source_system,
        work_order: r!.work_order,
        erp_document: r!.erp_document,
      }).toEqual({
        event_id: `${e.trace_id}:${e.span_id}`,
        event_type: e.event_type,
        trace_id: e.trace_id,
        parent_span_id: e.parent_span_id ?? '',
        correlation_id: e.correlation_id,
        origin: Date.parse(e.origin_time!),
        occurred: Date.parse(e.occurred_at),
        hop: e.hop,
        status: e.status,
        error_category: e.error?.category ?? '',
        source: e.source!.system === 'HUB' ? hubService(OTLP_PLANT) : erpAdapterService(OTLP_PLANT),
        work_order: e.business?.work_order ?? '',
        erp_document: e.business?.erp_document ?? '',
      })
    }
    for (const type of ['integration.message_received', 'integration.validated', 'integration.transformed', 'erp.posting_requested', 'erp.posting_succeeded'])
      expect(otel.some((r) => r.event_type === type), `an OTLP-sourced ${type}`).toBe(true)

    // One transaction per correlation id (the spans carry the origin time the MES hop set), with MES, hub and ERP stages.
    const plants = [OTLP_PLANT]
    const state = await txnStateParamsFor(db.prisma, plants, new Date(end))
    const txns = await searchTxns(ch, { plants, from: new Date(start - 60 * MIN), to: new Date(end + 60 * MIN), limit: 10_000, state, actor: { route: 'test', user: 'test' } })
    const ids = txns.map((t) => t.correlation_id)
    expect(new Set(ids).size, 'no transaction split between its native and its OTLP hops').toBe(ids.length)
    const MES = 4
    const HUB = 8
    const ERP = 16
    const confirmations = txns.filter((t) => t.flow === 'production_confirmation' && t.posted === 1)
    expect(confirmations.length).toBeGreaterThan(10)
    for (const t of confirmations) expect(t.stages_seen & (MES | HUB | ERP), `${t.correlation_id} joins MES, hub and ERP hops`).toBe(MES | HUB | ERP)

    // The states the console derives from the spans' hops are the ones the built hops imply.
    const byTxn = new Map<string, HopEventInput[]>()
    for (const e of built.filter((x) => x.plant === OTLP_PLANT)) byTxn.set(e.correlation_id, [...(byTxn.get(e.correlation_id) ?? []), e])
    for (const t of txns) {
      const hops = byTxn.get(t.correlation_id) ?? []
      const posted = hops.some((e) => e.event_type === 'erp.posting_succeeded')
      const parked = hops.some((e) => e.status === 'dead_lettered')
      // A partial posting leaves its failed movement in the hub's DLQ (hub/dead-letter.ts): the DLQ
      // indexer's hop for that record marks the transaction as holding a dead letter.
      const movementParked = hops.some((e) => e.event_type === 'erp.posting_partially_succeeded')
      // What the KPIs read per transaction (first-pass success, technical failures per posting request, dead letters).
      expect(
        { requested: t.posting_requested, firstAttemptOk: t.first_attempt_ok, transient: t.had_transient, deadLettered: t.dead_lettered },
        t.correlation_id,
      ).toEqual({
        requested: Number(hops.some((e) => e.event_type === 'erp.posting_requested')),
        firstAttemptOk: Number(hops.some((e) => e.event_type === 'erp.posting_succeeded' && e.attempt === 1 && !e.replay)),
        transient: Number(hops.some((e) => e.error?.category === 'transient')),
        deadLettered: Number(parked || movementParked),
      })
      if (posted) expect(t.state, t.correlation_id).toBe('posted')
      else if (parked) expect(t.state, t.correlation_id).toBe('dead_lettered')
      if (t.state === 'stuck') expect(posted || parked, `${t.correlation_id} is stuck only while open`).toBe(false)
    }
  }, 600_000)
})
