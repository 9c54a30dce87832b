import { randomBytes } from 'node:crypto'
import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { context, propagation, trace } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { KafkaTransport } from '../../server/bus/kafka'
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
import { createTelemetryPipeline, type TelemetryPipeline } from '../telemetry/pipeline'
import { startOtlpHttpServer } from './http-server'
import { createOtlpReceiver } from './receiver'
import { otlpRecordSource } from './source'

/**
 * The "Checked by" on the real broker: a Node program's kafkajs producer and consumer,
 * instrumented by @opentelemetry/instrumentation-kafkajs and exported by the OTLP protobuf
 * exporter (batch processor, as a service runs it) to the worker's OTLP port; the receiver writes
 * to the OTLP topic on Kafka, the pipeline maps it into chDB, and the work order finds one
 * transaction holding the producer's and the consumer's hops.
 */

const brokers = inject('kafkaBrokers')
const ADMIN_TOKEN = `bootstrap-${randomBytes(16).toString('hex')}`
let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
let db: Db
let bus: KafkaTransport
let config: Config
let pipeline: TelemetryPipeline
let server: Server
let url: string
let provider: NodeTracerProvider
let instrumentation: KafkaJsInstrumentation

beforeAll(async () => {
  engine = openTestClickHouse('otlp-kafka-receiver')
  ch = engine.ch
  await migrateClickHouse(ch)
  db = await freshPgliteDb()
  config = loadConfig({
    KAFKA_BROKERS: brokers,
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    OTLP_TOPIC: uniqueTopic('otlp'),
    TELEMETRY_DLQ_TOPIC: uniqueTopic('otlp-dlq'),
    KAFKA_GROUP_ID: uniqueTopic('ingest'),
    TELEMETRY_PARTITIONS: '1',
    INGEST_FLUSH_MS: '50',
  })
  bus = new KafkaTransport(config.kafka)
  pipeline = createTelemetryPipeline({ source: otlpRecordSource(config), transport: bus, clickhouse: ch, prisma: db.prisma, config, logger, lagRefreshMs: 100 })
  await pipeline.start()
  server = await startOtlpHttpServer({ port: 0, host: '127.0.0.1', receiver: createOtlpReceiver({ config, transport: bus, prisma: db.prisma, logger }), logger })
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`

  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'orders-hub', 'linetrace.plant': '2000' }),
    spanProcessors: [
      new BatchSpanProcessor(
        new OTLPTraceExporter({ url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
        { scheduledDelayMillis: 100 },
      ),
    ],
  })
  provider.register()
  instrumentation = new KafkaJsInstrumentation()
  instrumentation.setTracerProvider(provider)
  instrumentation.enable()
}, 120_000)
afterAll(async () => {
  instrumentation?.disable()
  await provider?.shutdown()
  trace.disable()
  propagation.disable()
  context.disable()
  await new Promise((done) => server?.close(done))
  await pipeline?.stop()
  await bus?.close()
  await db?.close()
  await engine?.dispose()
})

it('a kafkajs producer and consumer traced with the OTel SDK make one transaction, found by its work order', async () => {
  // Required after enable(), through Node's CommonJS loader, so the instrumentation patches it.
  const { Kafka, logLevel } = createRequire(import.meta.url)('kafkajs') as typeof import('kafkajs')
  const workOrder = `4711${randomBytes(4).toString('hex')}`
  const topic = uniqueTopic('orders')
  const kafka = new Kafka({ brokers: brokers.split(','), clientId: 'otel-check', logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()

  const tracer = trace.getTracer('otel-check')
  const producer = kafka.producer()
  await producer.connect()
  // The work order rides on the span that sends (and, as baggage would, on the consumer's span).
  await tracer.startActiveSpan('confirm order', async (span) => {
    span.setAttribute('linetrace.work_order', workOrder)
    await producer.send({ topic, messages: [{ key: `conf-${workOrder}`, value: 'confirmed' }] })
    span.end()
  })
  await producer.disconnect()
  const consumer = kafka.consumer({ groupId: uniqueTopic('otel-check') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let consumed = 0
  await consumer.run({
    eachMessage: async () => {
      trace.getActiveSpan()?.setAttribute('linetrace.work_order', workOrder)
      consumed++
    },
  })
  await waitFor('the record consumed', () => (consumed > 0 ? true : undefined), { timeoutMs: 30_000 })
  await consumer.disconnect()
  await provider.forceFlush()

  const found = await waitFor(
    'the transaction found by work order',
    async () => {
      const result = await searchTraces(makeCtx({ db: db.prisma, ch }, undefined, { scope: ['2000'] }), {
        q: `work_order:${workOrder}`,
        from: new Date(Date.now() - 3_600_000),
        to: new Date(Date.now() + 60_000),
      })
      return result.items.length > 0 ? result.items : undefined
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  )
  expect(found).toHaveLength(1)
  const { rows } = await chQuery<{ event_type: string; correlation_id: string; src_topic: string; resource: string }>(ch, {
    name: 'test.otlpKafkaHops',
    sql: `SELECT event_type, correlation_id, src_topic, attributes['otel.resource_id'] AS resource FROM ${ch.database}.hop_events WHERE correlation_id = {c:String} ORDER BY event_type`,
    params: { c: found[0]!.correlation_id },
  })
  expect(rows.map((r) => r.event_type)).toEqual(['integration.message_published', 'integration.transformed'])
  expect(rows[0]!.correlation_id).toBe(`conf-${workOrder}`)
  expect(new Set(rows.map((r) => r.src_topic))).toEqual(new Set([config.env.OTLP_TOPIC]))
  // Both spans came from one SDK resource, stored once beside the hops.
  expect(rows[1]!.resource).toBe(rows[0]!.resource)
  const { rows: resources } = await chQuery<{ attributes: Record<string, string> }>(ch, {
    name: 'test.otlpKafkaResource',
    sql: `SELECT attributes FROM ${ch.database}.otel_resources WHERE resource_id = {id:String}`,
    params: { id: rows[0]!.resource },
  })
  expect(resources[0]?.attributes).toMatchObject({ 'service.name': 'orders-hub', 'linetrace.plant': '2000' })
}, 90_000)

it('takes a request beyond Kafka\'s 1 MiB record default: the OTLP topic is created with room for the body cap', async () => {
  const workOrder = `4712${randomBytes(4).toString('hex')}`
  const attribute = (key: string, value: string) => ({ key, value: { stringValue: value } })
  const now = BigInt(Date.now()) * 1_000_000n
  const body = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [attribute('service.name', 'orders-hub'), attribute('linetrace.plant', '2000')] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: randomBytes(16).toString('hex'),
                spanId: randomBytes(8).toString('hex'),
                name: 'send orders',
                kind: 4,
                startTimeUnixNano: String(now - 1_000_000n),
                endTimeUnixNano: String(now),
                attributes: [attribute('messaging.system', 'kafka'), attribute('linetrace.work_order', workOrder), attribute('app.document', 'x'.repeat(1536 * 1024))],
              },
            ],
          },
        ],
      },
    ],
  })
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body })
  expect(response.status).toBe(200)
  await waitFor(
    'the big span written',
    async () => {
      const { rows } = await chQuery<{ n: number }>(ch, { name: 'test.otlpBig', sql: `SELECT count() AS n FROM ${ch.database}.hop_events WHERE work_order = {wo:String}`, params: { wo: workOrder } })
      return Number(rows[0]!.n) > 0 ? true : undefined
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  )
}, 60_000)
