import { randomBytes } from 'node:crypto'
import { SpanKind } from '@opentelemetry/api'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { LocalTransport } from '../../server/bus/local'
import { uniqueTopic, waitFor } from '../../server/bus/testing'
import type { ClickHouse } from '../../server/clickhouse/client'
import { chCommand, chQuery } from '../../server/clickhouse/exec'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { openTestClickHouse } from '../../server/clickhouse/testing'
import { loadConfig } from '../../server/config'
import type { Db } from '../../server/db/client'
import { freshPgliteDb } from '../../server/db/testing'
import { logger } from '../../server/logger'
import { createTelemetryPipeline, type TelemetryPipeline } from '../telemetry/pipeline'
import { RESOURCE_ID_ATTRIBUTE } from '../../server/domain/otlp-mapping'
import { ResourceWrites, resourceOf } from './resources'
import { otlpRecordSource } from './source'
import { startTestTracer } from './testing'

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
let db: Db
const running: { stop(): Promise<void> }[] = []

beforeAll(async () => {
  engine = openTestClickHouse('otlp-resources')
  ch = engine.ch
  await migrateClickHouse(ch)
  db = await freshPgliteDb()
})
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop()
})
afterAll(async () => {
  await db?.close()
  await engine?.dispose()
})

/** The stored resources, latest row per id, as a reader takes them. */
async function stored(): Promise<Map<string, Record<string, string>>> {
  const { rows } = await chQuery<{ id: string; attributes: Record<string, string> }>(ch, {
    name: 'test.otelResources',
    sql: `SELECT resource_id AS id, argMax(attributes, seen_at) AS attributes FROM ${ch.database}.otel_resources GROUP BY resource_id`,
  })
  return new Map(rows.map((r) => [r.id, r.attributes]))
}

describe('resourceOf', () => {
  it('gives one resource one id whatever the order of its attributes, and another resource another', () => {
    const a = resourceOf({ 'service.name': 'orders-hub', 'host.name': 'h1', 'linetrace.plant': '2000' })!
    const same = resourceOf({ 'linetrace.plant': '2000', 'host.name': 'h1', 'service.name': 'orders-hub' })!
    const redeployed = resourceOf({ 'service.name': 'orders-hub', 'host.name': 'h2', 'linetrace.plant': '2000' })!
    expect(a.id).toMatch(/^[0-9a-f]{16}$/)
    expect(same.id).toBe(a.id)
    expect(redeployed.id).not.toBe(a.id)
    expect(a).toMatchObject({ service: 'orders-hub', attributes: { 'service.name': 'orders-hub', 'host.name': 'h1', 'linetrace.plant': '2000' } })
  })

  it('has no id for a span without resource attributes, and keeps values as text within the hop attributes\' bounds', () => {
    expect(resourceOf({})).toBeNull()
    const r = resourceOf({ 'process.pid': 4711, 'deployment.tags': ['a', 'b'], big: 'x'.repeat(5000) })!
    expect(r.attributes).toEqual({ 'process.pid': '4711', 'deployment.tags': '["a","b"]', big: 'x'.repeat(1024) })
    expect(r.service).toBe('')
  })
})

describe('ResourceWrites', () => {
  const hub = resourceOf({ 'service.name': `hub-${randomBytes(3).toString('hex')}` })!
  const wms = resourceOf({ 'service.name': `wms-${randomBytes(3).toString('hex')}` })!

  it('writes each resource once, again after a day, and again after a failed write', async () => {
    let now = Date.parse('2026-12-07T08:00:00Z')
    const writes = new ResourceWrites(() => now)
    writes.note(hub)
    writes.note(wms)
    writes.note(hub)
    await writes.take()!(ch)
    expect(await stored()).toMatchObject(new Map([[hub.id, hub.attributes], [wms.id, wms.attributes]]))
    expect(writes.take()).toBeUndefined()

    // Written: not again within the day, whatever reads it.
    now += 23 * 3_600_000
    writes.note(hub)
    expect(writes.take()).toBeUndefined()
    // A day on, so that the table's TTL (from seen_at) keeps a resource spans still name.
    now += 3_600_000
    writes.note(hub)
    await writes.take()!(ch)
    const { rows } = await chQuery<{ seen: string }>(ch, {
      name: 'test.seenAt',
      sql: `SELECT toString(max(seen_at)) AS seen FROM ${ch.database}.otel_resources WHERE resource_id = {id:String}`,
      params: { id: hub.id },
    })
    expect(rows[0]!.seen).toBe('2026-12-08 08:00:00.000')

    // A write that failed leaves the resource due: the next delivery reading it writes it.
    now += 25 * 3_600_000
    writes.note(wms)
    await chCommand(ch, { name: 'test.detach', sql: `DETACH TABLE ${ch.database}.otel_resources` })
    try {
      await expect(writes.take()!(ch)).rejects.toThrow(/otel_resources/)
    } finally {
      await chCommand(ch, { name: 'test.attach', sql: `ATTACH TABLE ${ch.database}.otel_resources` })
    }
    writes.note(wms)
    expect(writes.take()).toBeDefined()
  })
})

describe('through the pipeline', () => {
  /** One export request of the real SDK: a producer span of `service` (its resource naming its plant). */
  function request(service: string, instance: string): Buffer {
    const tracer = startTestTracer({ 'service.name': service, 'service.instance.id': instance, 'linetrace.plant': '2000', 'deployment.environment.name': 'plant-2000' })
    tracer.tracer.startSpan('orders send', { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders' } }).end()
    return Buffer.from(ProtobufTraceSerializer.serializeRequest(tracer.take(1))!)
  }

  it('stores a span\'s resource once, named by its hop; while the resource cannot be stored, nothing is committed', async () => {
    const bus = new LocalTransport({ retryBackoff: { initialMs: 20, maxMs: 100 }, firstOffset: 0 })
    running.push({ stop: () => bus.close() })
    const config = loadConfig({ OTLP_TOPIC: uniqueTopic('otlp'), TELEMETRY_DLQ_TOPIC: uniqueTopic('otlp-dlq'), KAFKA_GROUP_ID: uniqueTopic('ingest'), TELEMETRY_PARTITIONS: '1', INGEST_FLUSH_MS: '50' })
    const pipeline: TelemetryPipeline = createTelemetryPipeline({ source: otlpRecordSource(config), transport: bus, clickhouse: ch, prisma: db.prisma, config, logger, lagRefreshMs: 50, backoff: { initialMs: 20, maxMs: 200 } })
    running.push(pipeline)
    await pipeline.start()
    const topic = config.env.OTLP_TOPIC
    const uncommitted = async () => (await bus.consumer({ groupId: config.kafka.groupId + '-otlp', topics: [topic] }).lag()).reduce((n, l) => n + l.lag, 0)
    const hops = async (service: string) =>
      (
        await chQuery<{ attributes: Record<string, string>; source_instance: string }>(ch, {
          name: 'test.otlpHops',
          sql: `SELECT attributes, source_instance FROM ${ch.database}.hop_events WHERE src_topic = {t:String} AND source_system = {s:String}`,
          params: { t: topic, s: service },
        })
      ).rows
    const producer = await bus.producer()

    const service = `orders-hub-${randomBytes(3).toString('hex')}`
    await producer.send(topic, [{ key: null, value: request(service, 'hub-1') }, { key: null, value: request(service, 'hub-1') }])
    await waitFor('committed', async () => ((await uncommitted()) === 0 ? true : undefined), { timeoutMs: 30_000 })
    const [first, second] = await hops(service)
    const id = first!.attributes[RESOURCE_ID_ATTRIBUTE]!
    expect(second!.attributes[RESOURCE_ID_ATTRIBUTE]).toBe(id)
    // The resource is not repeated on the hop: its fields are the hop's (source) or in otel_resources.
    expect(Object.keys(first!.attributes).filter((k) => k.startsWith('service.') || k.startsWith('deployment.') || k === 'linetrace.plant')).toEqual([])
    expect(first!.source_instance).toBe('hub-1')
    expect((await stored()).get(id)).toEqual({ 'service.name': service, 'service.instance.id': 'hub-1', 'linetrace.plant': '2000', 'deployment.environment.name': 'plant-2000' })
    const { rows: written } = await chQuery<{ n: number }>(ch, { name: 'test.resourceRows', sql: `SELECT count() AS n FROM ${ch.database}.otel_resources WHERE resource_id = {id:String}`, params: { id } })
    expect(Number(written[0]!.n)).toBe(1)

    // A new instance while its resource cannot be stored: its hops may land, the delivery waits.
    await chCommand(ch, { name: 'test.detach', sql: `DETACH TABLE ${ch.database}.otel_resources` })
    try {
      await producer.send(topic, [{ key: null, value: request(service, 'hub-2') }])
      await waitFor('the resource write failing', () => (pipeline.status().lastError?.includes('otel_resources') ? true : undefined), { timeoutMs: 30_000 })
      expect(pipeline.status().status).toBe('stalled')
      expect(await uncommitted()).toBe(1)
    } finally {
      await chCommand(ch, { name: 'test.attach', sql: `ATTACH TABLE ${ch.database}.otel_resources` })
    }
    await waitFor('committed after recovery', async () => ((await uncommitted()) === 0 ? true : undefined), { timeoutMs: 30_000 })
    const second2 = (await hops(service)).find((h) => h.source_instance === 'hub-2')!
    expect((await stored()).get(second2.attributes[RESOURCE_ID_ATTRIBUTE]!)).toMatchObject({ 'service.instance.id': 'hub-2' })
  }, 60_000)
})
