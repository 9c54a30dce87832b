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
import { parseOtlpMappingConfig } from '../../server/domain/otlp-mapping'
import { exportSpans, startOtlpCollector, type OtlpCollector } from './testing'

/**
 * A real kafkajs producer and consumers (eachBatch and eachMessage), instrumented by
 * @opentelemetry/instrumentation-kafkajs on the shared test broker, exported by the real OTLP
 * protobuf exporter, decoded and mapped: the producer's hop and the consumers' hops of one message
 * land in one transaction, also when the consumer's spans live in another trace (eachBatch links
 * each message to its creation context).
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

it('producer and consumer hops of the same message land in one transaction, batch or single', async () => {
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

  // Two consumer groups read the topic: one processes batches (spans link to each message), the
  // other single messages (spans are children of the producer's span, in its trace).
  const batchConsumer = kafka.consumer({ groupId: uniqueTopic('otlp-kafkajs-batch') })
  const messageConsumer = kafka.consumer({ groupId: uniqueTopic('otlp-kafkajs-message') })
  let batched = 0
  let single = 0
  for (const consumer of [batchConsumer, messageConsumer]) {
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
  }
  await batchConsumer.run({
    eachBatch: async ({ batch }) => {
      batched += batch.messages.length
    },
  })
  await messageConsumer.run({
    eachMessage: async () => {
      single++
    },
  })
  await waitFor('both messages consumed by both groups', () => (batched >= 2 && single >= 2 ? true : undefined), { timeoutMs: 30_000 })
  const processSpans = () => memory.getFinishedSpans().filter((span) => span.name === `process ${topic}`)
  await waitFor('the process spans ended', () => (processSpans().length >= 4 ? true : undefined), { seen: () => memory.getFinishedSpans().map((s) => s.name) })
  await Promise.all([batchConsumer.disconnect(), messageConsumer.disconnect()])

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

  expect(events).toHaveLength(6)
  const byTransaction = new Map<string, HopEvent[]>()
  for (const event of events) byTransaction.set(event.correlation_id, [...(byTransaction.get(event.correlation_id) ?? []), event])
  const keyless = events.find((event) => event.event_type === 'integration.message_published' && event.business?.work_order === '155000000012')!
  expect([...byTransaction.keys()].sort()).toEqual(['conf-k1', keyless.trace_id].sort())
  for (const [, hops] of byTransaction) {
    const published = hops.find((hop) => hop.event_type === 'integration.message_published')!
    const processed = hops.filter((hop) => hop.event_type === 'integration.transformed')
    expect(processed).toHaveLength(2)
    // eachBatch: another trace, the send as the linked cause; eachMessage: the producer's trace.
    const [fromBatch, fromMessage] = [processed.find((hop) => hop.causation_id)!, processed.find((hop) => !hop.causation_id)!]
    expect(fromBatch.trace_id).not.toBe(published.trace_id)
    expect(fromBatch.causation_id).toBe(published.event_id)
    expect(fromMessage.trace_id).toBe(published.trace_id)
    expect(fromMessage.parent_span_id).toBe(published.span_id)
    for (const hop of processed) {
      expect(hop.business).toEqual(published.business)
      expect(hop).toMatchObject({ hop: 'hub', plant: '2000', status: 'ok', source: { system: 'orders-hub', instance: 'hub-7' } })
    }
  }
})
