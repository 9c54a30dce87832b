import { randomBytes } from 'node:crypto'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { context, SpanKind, trace } from '@opentelemetry/api'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { generateToken } from '../../server/auth/api-tokens'
import { LocalTransport } from '../../server/bus/local'
import type { Transport } from '../../server/bus/port'
import { uniqueTopic, waitFor } from '../../server/bus/testing'
import type { ClickHouse } from '../../server/clickhouse/client'
import { chQuery } from '../../server/clickhouse/exec'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { openTestClickHouse } from '../../server/clickhouse/testing'
import { loadConfig, type Config } from '../../server/config'
import type { Db } from '../../server/db/client'
import { freshPgliteDb } from '../../server/db/testing'
import { logger } from '../../server/logger'
import { makeCtx } from '../../server/services/testing/ctx'
import { searchTraces } from '../../server/services/traces/search'
import { DLQ_HEADERS } from '../telemetry/dlq'
import { createTelemetryPipeline, type TelemetryPipeline } from '../telemetry/pipeline'
import { startOtlpHttpServer } from './http-server'
import { createOtlpReceiver } from './receiver'
import { otlpRecordSource } from './source'
import { exportSpans, startTestTracer } from './testing'

/**
 * The OTLP receiver wired end to end on real engines: the real OTel SDK and protobuf exporter →
 * the worker's HTTP port → the in-process bus (OTLP_TOPIC) → the telemetry pipeline reading it →
 * hop_events in chDB, found by work order through the trace search.
 */

const ADMIN_TOKEN = `bootstrap-${randomBytes(16).toString('hex')}`
let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
let db: Db
let bus: LocalTransport
let config: Config
let pipeline: TelemetryPipeline
let server: Server
let url: string

beforeAll(async () => {
  engine = openTestClickHouse('otlp-receiver')
  ch = engine.ch
  await migrateClickHouse(ch)
  db = await freshPgliteDb()
  bus = new LocalTransport({ retryBackoff: { initialMs: 20, maxMs: 100 } })
  config = loadConfig({
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    OTLP_TOPIC: uniqueTopic('otlp'),
    TELEMETRY_DLQ_TOPIC: uniqueTopic('otlp-dlq'),
    KAFKA_GROUP_ID: uniqueTopic('ingest'),
    TELEMETRY_PARTITIONS: '2',
    INGEST_FLUSH_MS: '50',
    OTLP_MAX_BODY_BYTES: '65536',
  })
  pipeline = createTelemetryPipeline({ source: otlpRecordSource(config), transport: bus, clickhouse: ch, prisma: db.prisma, config, logger, lagRefreshMs: 50 })
  await pipeline.start()
  const receiver = createOtlpReceiver({ config, transport: bus, prisma: db.prisma, logger })
  server = await startOtlpHttpServer({ port: 0, host: '127.0.0.1', receiver, logger })
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((done) => server?.close(done))
  await pipeline?.stop()
  await bus?.close()
  await db?.close()
  await engine?.dispose()
})

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** The messaging attributes of a confirmation record's spans, producer and consumer alike. */
const confirmationMessage = (workOrder: string) => ({ 'messaging.system': 'kafka', 'messaging.destination.name': 'erp.confirmations', 'linetrace.work_order': workOrder })

/** A producer span and the consumer's process span of the same record (its child, as kafkajs eachMessage). */
function producedAndConsumed(plant: string, workOrder: string) {
  const t = startTestTracer({ 'service.name': 'orders-hub', 'service.instance.id': 'hub-1', 'linetrace.plant': plant })
  const messaging = confirmationMessage(workOrder)
  const send = t.tracer.startSpan('send erp.confirmations', { kind: SpanKind.PRODUCER, attributes: { ...messaging, 'messaging.operation.type': 'send' } })
  const ctx = trace.setSpan(context.active(), send)
  t.tracer.startSpan('process erp.confirmations', { kind: SpanKind.CONSUMER, attributes: { ...messaging, 'messaging.operation.type': 'process' } }, ctx).end()
  send.end()
  return t.finished()
}

async function hopRows(workOrder: string) {
  const r = await chQuery<{ n: number; ids: number }>(ch, {
    name: 'test.otlpHops',
    sql: `SELECT count() AS n, uniqExact(event_id) AS ids FROM ${ch.database}.hop_events WHERE work_order = {wo:String}`,
    params: { wo: workOrder },
  })
  return r.rows[0]!
}

it('a producer and a consumer span become hops of one transaction, found by work order; a retried export counts once', async () => {
  const plant = `O${randomBytes(3).toString('hex')}`
  const workOrder = `WO-${randomBytes(4).toString('hex')}`
  const spans = producedAndConsumed(plant, workOrder)

  await exportSpans(spans, 'protobuf', url, bearer(ADMIN_TOKEN))
  await waitFor('both hops written', async () => (Number((await hopRows(workOrder)).n) === 2 ? true : undefined))

  const found = await searchTraces(makeCtx({ db: db.prisma, ch }, undefined, { scope: [plant] }), {
    q: `work_order:${workOrder}`,
    from: new Date(Date.now() - 3_600_000),
    to: new Date(Date.now() + 60_000),
  })
  expect(found.items).toHaveLength(1)
  const { rows: hops } = await chQuery<{ event_type: string; correlation_id: string; trace_id: string; span_id: string; event_id: string }>(ch, {
    name: 'test.otlpHopFields',
    sql: `SELECT event_type, correlation_id, trace_id, span_id, event_id FROM ${ch.database}.hop_events WHERE work_order = {wo:String} ORDER BY event_type`,
    params: { wo: workOrder },
  })
  expect(hops.map((h) => h.event_type)).toEqual(['integration.message_published', 'integration.transformed'])
  expect(new Set(hops.map((h) => h.correlation_id)).size).toBe(1)
  expect(found.items[0]!.correlation_id).toBe(hops[0]!.correlation_id)
  for (const hop of hops) expect(hop.event_id).toBe(`${hop.trace_id}:${hop.span_id}`)

  // The exporter retries the same spans (e.g. after a lost answer): the same event ids.
  const before = pipeline.status().written
  await exportSpans(spans, 'protobuf-gzip', url, bearer(ADMIN_TOKEN))
  await waitFor('the retried export written', () => (pipeline.status().written >= before + 2 ? true : undefined))
  expect(Number((await hopRows(workOrder)).ids)).toBe(2)
})

it('two services exporting one transaction out of order (the later hop first) make one transaction, its trace holding both hops', async () => {
  const plant = `O${randomBytes(3).toString('hex')}`
  const workOrder = `WO-${randomBytes(4).toString('hex')}`
  const messaging = confirmationMessage(workOrder)
  const mes = startTestTracer({ 'service.name': 'mes', 'service.instance.id': 'mes-1', 'linetrace.plant': plant })
  const hub = startTestTracer({ 'service.name': 'orders-hub', 'service.instance.id': 'hub-1', 'linetrace.plant': plant })
  const t0 = Date.now() - 60_000
  const send = mes.tracer.startSpan('send erp.confirmations', { kind: SpanKind.PRODUCER, startTime: t0, attributes: { ...messaging, 'messaging.operation.type': 'send' } })
  send.end(t0 + 5)
  hub.tracer
    .startSpan('process erp.confirmations', { kind: SpanKind.CONSUMER, startTime: t0 + 40, attributes: { ...messaging, 'messaging.operation.type': 'process' } }, trace.setSpan(context.active(), send))
    .end(t0 + 60)

  // Each service's batch processor exports when its batch is due: the hub's came first.
  await exportSpans(hub.finished(), 'protobuf', url, bearer(ADMIN_TOKEN))
  await waitFor('the consumer hop written', async () => (Number((await hopRows(workOrder)).n) === 1 ? true : undefined))
  await exportSpans(mes.finished(), 'protobuf', url, bearer(ADMIN_TOKEN))
  await waitFor('the producer hop written', async () => (Number((await hopRows(workOrder)).n) === 2 ? true : undefined))

  const { rows } = await chQuery<{ origins: number; correlations: number }>(ch, {
    name: 'test.otlpOrigins',
    sql: `SELECT uniqExact(origin_time) AS origins, uniqExact(correlation_id) AS correlations FROM ${ch.database}.hop_events WHERE work_order = {wo:String}`,
    params: { wo: workOrder },
  })
  expect(rows[0]).toEqual({ origins: 1, correlations: 1 })
  const found = await searchTraces(makeCtx({ db: db.prisma, ch }, undefined, { scope: [plant] }), {
    q: `work_order:${workOrder}`,
    from: new Date(t0 - 3_600_000),
    to: new Date(Date.now() + 60_000),
  })
  expect(found.items).toHaveLength(1)
  expect(found.items[0]!.events).toBe(2)
})

it('answers 401 without or with an unknown token, 403 for a token without the ingest scope, 200 with it', async () => {
  const t = startTestTracer({ 'service.name': 'orders-hub', 'linetrace.plant': 'P1' })
  t.tracer.startSpan('send x', { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka' } }).end()
  const id = randomBytes(6).toString('hex')
  const user = await db.prisma.user.create({ data: { id, email: `otlp-${id}@test`, name: 'OTLP', role: 'viewer' } })
  const token = async (scopes: string[]) => {
    const { token, prefix, tokenHash } = generateToken()
    await db.prisma.apiToken.create({ data: { name: 'otel', prefix, tokenHash, userId: user.id, scopes } })
    return token
  }
  const post = (headers: Record<string, string>) =>
    fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"resourceSpans":[]}' })

  const none = await post({})
  expect(none.status).toBe(401)
  expect(((await none.json()) as { message: string }).message).toMatch(/ingest scope/)
  expect((await post(bearer('lt_unknown'))).status).toBe(401)
  expect((await post(bearer(await token([])))).status).toBe(403)
  const ingest = await token(['ingest'])
  expect((await post(bearer(ingest))).status).toBe(200)
  await exportSpans(t.finished(), 'json', url, bearer(ingest))
})

it('an unreadable payload gets 400 with a message, an oversized one 413', async () => {
  const bad = await fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(ADMIN_TOKEN) }, body: '{"resourceSpans":' })
  expect(bad.status).toBe(400)
  expect(((await bad.json()) as { message: string }).message).not.toBe('')
  const big = await fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', ...bearer(ADMIN_TOKEN) }, body: new Uint8Array(70_000) })
  expect(big.status).toBe(413)
})

it('a span that cannot be a hop (no plant) is dead-lettered with the reason', async () => {
  const t = startTestTracer({ 'service.name': 'plantless-hub' })
  const span = t.tracer.startSpan('send y', { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': 'send' } })
  span.end()
  await exportSpans(t.finished(), 'protobuf', url, bearer(ADMIN_TOKEN))
  const consumer = bus.consumer({ groupId: uniqueTopic('dlq-reader'), topics: [config.env.TELEMETRY_DLQ_TOPIC] })
  const reasons: string[] = []
  await consumer.run(async (batch) => {
    for (const record of batch.records) {
      const value = JSON.parse(record.value!.toString()) as { spanId: string }
      if (value.spanId === span.spanContext().spanId) reasons.push(String(record.headers[DLQ_HEADERS.reason]))
    }
  })
  await waitFor('the span dead-lettered', () => (reasons.length > 0 ? true : undefined))
  await consumer.stop()
  expect(reasons).toEqual(['otlp_no_plant'])
})

it('answers 503 with Retry-After when the bus does not acknowledge, 429 when too many requests are in flight', async () => {
  // A bus that takes the topic but never acknowledges a send (a broker that is away).
  const stalled = { ensureTopics: async () => {}, producer: async () => ({ send: () => new Promise<never>(() => {}) }) } as unknown as Transport
  const receiver = createOtlpReceiver({ config: { ...config, env: { ...config.env, OTLP_MAX_IN_FLIGHT: 1 } }, transport: stalled, prisma: db.prisma, logger, sendTimeoutMs: 300 })
  const body = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders-hub' } }] },
        scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'send', kind: 4, startTimeUnixNano: '1', endTimeUnixNano: '2' }] }],
      },
    ],
  })
  const request = () => ({ headers: new Headers({ 'content-type': 'application/json', ...bearer(ADMIN_TOKEN) }), body: new Response(body).body })
  const first = receiver(request())
  const second = await receiver(request())
  expect(second.status).toBe(429)
  expect(second.headers['retry-after']).toBe('1')
  const answer = await first
  expect(answer.status).toBe(503)
  expect(answer.headers['retry-after']).toBe('5')
})
