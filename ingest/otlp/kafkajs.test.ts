import { createRequire } from 'node:module'
import { context, propagation, trace } from '@opentelemetry/api'
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { uniqueTopic, waitFor } from '../../server/bus/testing'
import type { HopEvent } from '../../server/domain/hop-event'
import { decodeTraceRequest } from './decode'
import { createSpanMapper } from './map'
import { parseOtlpMappingConfig } from './mapping-config'
import { exportSpans, startOtlpCollector, type OtlpCollector } from './testing'

/**
 * A real kafkajs producer and batch consumer, instrumented by @opentelemetry/instrumentation-kafkajs
 * on the shared test broker, exported by the real OTLP protobuf exporter, decoded and mapped: the
 * producer's hop and the consumer's hop of one message land in one transaction although the
 * consumer's spans live in another trace (eachBatch links each message to its creation context).
 */

const brokers = inject('kafkaBrokers').split(',')
const memory = new InMemorySpanExporter()
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'orders-hub', 'service.instance.id': 'hub-7', 'linetrace.plant': '2000' }),
  spanProcessors: [new SimpleSpanProcessor(memory)],
})
// The Node SDK's usual setup: AsyncLocalStorage context and the W3C propagators, as a service has them.
provider.register()
const headerText = (value: Buffer | string | (Buffer | string)[] | undefined) => (Array.isArray(value) ? value[0] : value)?.toString()
const instrumentation = new KafkaJsInstrumentation({
  // Business keys travel in a message header; the hooks put them on both sides' spans.
  producerHook: (span, { message }) => span.setAttribute('linetrace.work_order', headerText(message.headers?.work_order) ?? ''),
  consumerHook: (span, { message }) => span.setAttribute('linetrace.work_order', headerText(message.headers?.work_order) ?? ''),
})
instrumentation.setTracerProvider(provider)
instrumentation.enable()
// Required after enable(), through Node's CommonJS loader, so the instrumentation patches it.
const { Kafka, logLevel } = createRequire(import.meta.url)('kafkajs') as typeof import('kafkajs')

let collector: OtlpCollector
beforeAll(async () => {
  collector = await startOtlpCollector()
})
afterAll(async () => {
  instrumentation.disable()
  await provider.shutdown()
  trace.disable()
  propagation.disable()
  context.disable()
  await collector.close()
})

it('producer and batch-consumer hops of the same message land in one transaction', async () => {
  const topic = uniqueTopic('otlp-kafkajs')
  const kafka = new Kafka({ brokers, clientId: 'otlp-kafkajs-test', logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()

  const producer = kafka.producer()
  await producer.connect()
  await producer.send({
    topic,
    messages: [
      { key: 'conf-k1', value: 'first', headers: { work_order: '155000000011' } },
      { value: 'second', headers: { work_order: '155000000012' } },
    ],
  })
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: uniqueTopic('otlp-kafkajs-group') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let consumed = 0
  await consumer.run({
    eachBatch: async ({ batch }) => {
      consumed += batch.messages.length
    },
  })
  await waitFor('both messages consumed', () => (consumed >= 2 ? true : undefined), { timeoutMs: 30_000 })
  const processSpans = () => memory.getFinishedSpans().filter((span) => span.name === `process ${topic}`)
  await waitFor('the process spans ended', () => (processSpans().length >= 2 ? true : undefined), { seen: () => memory.getFinishedSpans().map((s) => s.name) })
  await consumer.disconnect()

  await exportSpans(memory.getFinishedSpans(), 'protobuf', collector.url)
  const request = collector.requests.at(-1)!
  const decoded = decodeTraceRequest(request.body, { contentType: request.headers['content-type'] })
  const mapSpan = createSpanMapper(parseOtlpMappingConfig({}))
  const events: HopEvent[] = []
  for (const span of decoded.spans.filter((s) => s.attributes['messaging.destination.name'] === topic)) {
    const mapping = mapSpan(span)
    // The batch's "poll" span names no message: it is no hop; every other span here is one.
    if (mapping.kind === 'ignored') expect(span.name).toBe(`poll ${topic}`)
    else if (mapping.kind === 'hops') events.push(...mapping.events)
    else throw new Error(`unmapped span ${span.name}: ${mapping.message}`)
  }

  expect(events).toHaveLength(4)
  const byTransaction = new Map<string, HopEvent[]>()
  for (const event of events) byTransaction.set(event.correlation_id, [...(byTransaction.get(event.correlation_id) ?? []), event])
  const keyless = events.find((event) => event.event_type === 'integration.message_published' && event.business?.work_order === '155000000012')!
  expect([...byTransaction.keys()].sort()).toEqual(['conf-k1', keyless.trace_id].sort())
  for (const [, hops] of byTransaction) {
    expect(hops.map((hop) => hop.event_type).sort()).toEqual(['integration.message_published', 'integration.transformed'])
    const [published, processed] = [...hops].sort((a, b) => a.event_type.localeCompare(b.event_type))
    // Two traces (the consumer's batch started its own), one transaction; the cause is the send.
    expect(processed!.trace_id).not.toBe(published!.trace_id)
    expect(processed!.causation_id).toBe(published!.event_id)
    expect(processed!.business).toEqual(published!.business)
    expect(processed).toMatchObject({ hop: 'hub', plant: '2000', status: 'ok', source: { system: 'orders-hub', instance: 'hub-7' } })
  }
})
