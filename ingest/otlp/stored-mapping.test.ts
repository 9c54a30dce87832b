import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BusRecord } from '../../server/bus/port'
import { uniqueTopic, waitFor } from '../../server/bus/testing'
import type { ClickHouse } from '../../server/clickhouse/client'
import { chInsert } from '../../server/clickhouse/exec'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { openTestClickHouse } from '../../server/clickhouse/testing'
import { loadConfig, type Config } from '../../server/config'
import type { Db } from '../../server/db/client'
import { freshPgliteDb } from '../../server/db/testing'
import { logger } from '../../server/logger'
import { getOtlpMapping, saveOtlpMapping } from '../../server/services/otlp/mapping'
import { otlpServices } from '../../server/services/otlp/services'
import { makeCtx } from '../../server/services/testing/ctx'
import { makePrincipal } from '../../server/services/testing/principal'
import { deadLetterRow } from '../dlq/row'
import { toDlqRecord } from '../telemetry/dlq'
import { toHopEventRow } from '../telemetry/rows'
import type { RecordItem } from '../telemetry/source'
import { decodeTraceRequest } from './decode'
import { otlpRecordSource } from './source'
import { startStoredOtlpMapping, type LiveOtlpMapping } from './stored-mapping'

/**
 * The admin-edited mapping on the worker's side, on real engines (PGlite, chDB): the OTLP source
 * maps with a saved change without a restart, and the admin's per-service view counts what the
 * source produced (hops written to hop_events, unmapped spans dead-lettered and indexed).
 */

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
let db: Db
let config: Config
const live: LiveOtlpMapping[] = []

beforeAll(async () => {
  engine = openTestClickHouse('otlp-admin')
  ch = engine.ch
  await migrateClickHouse(ch)
  db = await freshPgliteDb()
  config = loadConfig({ OTLP_TOPIC: uniqueTopic('otlp'), TELEMETRY_DLQ_TOPIC: uniqueTopic('otlp-dlq'), OTLP_DEFAULT_PLANT: '1000' })
})
afterAll(async () => {
  for (const m of live) m.stop()
  await db?.close()
  await engine?.dispose()
})

const admin = () => makeCtx({ db: db.prisma, ch, config }, makePrincipal('admin'))
const current = async () => (await getOtlpMapping(admin())).updatedAt

/** One OTLP export request as the receiver writes it to OTLP_TOPIC: protobuf of the given spans. */
function otlpRecord(topic: string, service: string, spans: { spanId: string; attributes?: Record<string, string> }[], offset = 0): BusRecord {
  const body = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: spans.map((s) => ({
              traceId: randomBytes(16).toString('hex'),
              spanId: s.spanId,
              name: 'send orders',
              kind: 4,
              startTimeUnixNano: String(BigInt(Date.now() - 1000) * 1_000_000n),
              endTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
              attributes: Object.entries({ 'messaging.system': 'kafka', 'messaging.operation.type': 'send', ...s.attributes }).map(([key, v]) => ({ key, value: { stringValue: v } })),
            })),
          },
        ],
      },
    ],
  })
  const { protobuf } = decodeTraceRequest(Buffer.from(body), { contentType: 'application/json', maxBytes: 1 << 20 })
  return { topic, partition: 0, offset: String(offset), key: null, value: Buffer.from(protobuf), headers: {}, timestamp: Date.now() }
}

const plantsOf = (items: RecordItem[]) => items.map((i) => (i.ok ? i.event.plant : `unmapped:${i.reason}`))

describe('the worker maps with the stored mapping', () => {
  it('a saved rule applies to spans mapped after the save, without a restart; OTLP_DEFAULT_PLANT stays the fallback', async () => {
    await saveOtlpMapping(admin(), { config: {}, baseUpdatedAt: await current() })
    const mapping = await startStoredOtlpMapping({ prisma: db.prisma, config, logger, pollMs: 20 })
    live.push(mapping)
    const source = otlpRecordSource(config, mapping.map)
    const record = otlpRecord(config.env.OTLP_TOPIC, 'camel-orders', [{ spanId: randomBytes(8).toString('hex') }])
    // Nothing names a plant: the environment's default plant.
    expect(plantsOf([source.read(record)].flat())).toEqual(['1000'])

    const base = await getOtlpMapping(admin())
    const rules = base.config.services.map((r) => (r.service === 'camel-*' ? { ...r, plant: '2000', flow: 'goods_movement' } : r))
    await saveOtlpMapping(admin(), { config: { ...base.config, services: rules }, baseUpdatedAt: base.updatedAt })

    const items = await waitFor('the rule applied to a newly mapped span', () => {
      const read = [source.read(record)].flat()
      return plantsOf(read)[0] === '2000' ? read : undefined
    })
    expect(items[0]).toMatchObject({ ok: true, event: { plant: '2000', flow: 'goods_movement', hop: 'hub', source: { system: 'camel-orders' } } })
  })
})

describe('the per-service view', () => {
  it('counts hops written from OTLP spans and unmapped spans by reason, with the newest error, per service', async () => {
    // No default plant anywhere: a span naming none is unmapped (no_plant).
    const plantless = { ...config, env: { ...config.env, OTLP_DEFAULT_PLANT: undefined } }
    await saveOtlpMapping(admin(), { config: {}, baseUpdatedAt: await current() })
    const mapping = await startStoredOtlpMapping({ prisma: db.prisma, config: plantless, logger, pollMs: 60_000 })
    live.push(mapping)
    const source = otlpRecordSource(plantless, mapping.map)
    const topic = config.env.OTLP_TOPIC
    const service = `orders-hub-${randomBytes(3).toString('hex')}`
    const record = otlpRecord(
      topic,
      service,
      [
        { spanId: randomBytes(8).toString('hex'), attributes: { 'linetrace.plant': '1000' } },
        { spanId: randomBytes(8).toString('hex'), attributes: { 'linetrace.plant': '2000' } },
        { spanId: randomBytes(8).toString('hex') },
      ],
      7,
    )
    const items = [source.read(record)].flat()

    // What the pipeline does with them: hops into hop_events, the rest to the DLQ, indexed by the DLQ indexer.
    const rows = items.flatMap((i) => (i.ok ? [toHopEventRow(i.event, { topic, partition: 0, offset: '7' }, false)] : []))
    await chInsert(ch, { table: 'hop_events', rows })
    // A native hop event of the same service from the telemetry topic is not an OTLP span.
    await chInsert(ch, { table: 'hop_events', rows: [{ ...rows[0]!, event_id: 'native-1', src_topic: config.env.TELEMETRY_TOPIC }] })
    let offset = 0
    for (const item of items) {
      if (item.ok) continue
      const dlq = toDlqRecord(record, item.reason, item.errors, item.dlqValue)
      const row = deadLetterRow({ topic: config.env.TELEMETRY_DLQ_TOPIC, partition: 0, offset: String(offset++), key: null, value: dlq.value as Buffer | null, headers: dlq.headers as BusRecord['headers'], timestamp: Date.now() })
      const { decoded: _decoded, ...data } = row
      await db.prisma.deadLetter.create({ data })
    }
    // A record that did not decode at all is dead-lettered whole, as protobuf: no service.
    const garbage = toDlqRecord({ ...record, offset: '8', value: Buffer.from([0x0a, 0xff, 0xff]) }, 'otlp_not_protobuf', [{ path: '', message: 'not protobuf' }])
    const { decoded: _d, ...garbageRow } = deadLetterRow({ topic: config.env.TELEMETRY_DLQ_TOPIC, partition: 0, offset: String(offset++), key: null, value: garbage.value as Buffer, headers: garbage.headers as BusRecord['headers'], timestamp: Date.now() })
    await db.prisma.deadLetter.create({ data: garbageRow })
    // A span with a NUL in an attribute: jsonb cannot hold it, so its service is not read, and the view still answers.
    const odd = [source.read(otlpRecord(topic, service, [{ spanId: randomBytes(8).toString('hex'), attributes: { note: 'a\u0000b' } }], 9))].flat()
    for (const item of odd) {
      if (item.ok) throw new Error('the plantless span mapped')
      const dlq = toDlqRecord(record, item.reason, item.errors, item.dlqValue)
      const { decoded: _o, ...data } = deadLetterRow({ topic: config.env.TELEMETRY_DLQ_TOPIC, partition: 0, offset: String(offset++), key: null, value: dlq.value as Buffer | null, headers: dlq.headers as BusRecord['headers'], timestamp: Date.now() })
      await db.prisma.deadLetter.create({ data })
    }

    const view = await otlpServices(admin())
    const row = view.services.find((s) => s.service === service)
    expect(row).toMatchObject({ hops1h: 2, hops24h: 2, errorHops24h: 0, unmapped1h: 1, unmapped24h: 1, unmappedByReason: [{ reason: 'no_plant', count24h: 1 }] })
    expect(row!.lastError).toMatchObject({ reason: 'no_plant' })
    expect(row!.lastError!.message).toBe(`span "send orders" of service ${service} names no plant (linetrace.plant) and the service has no default plant; plant: no plant attribute and no default plant`)
    expect(row!.lastHopAt).toBeInstanceOf(Date)
    const unreadable = view.services.at(-1)!
    expect(unreadable).toMatchObject({ service: '', unmapped24h: 2, hops24h: 0 })
    expect(unreadable.unmappedByReason).toEqual(expect.arrayContaining([{ reason: 'not_protobuf', count24h: 1 }, { reason: 'no_plant', count24h: 1 }]))
    expect(view.endpoint).toMatchObject({ consolePath: '/api/otlp/v1/traces', port: 4318 })
  })
})
