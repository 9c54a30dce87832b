import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lastHeader, lastHeaderText } from '../server/bus/headers'
import type { BusRecord } from '../server/bus/port'
import { readTopics } from './testing/records'
import { startVirtualRun, stopVirtualRun, type VirtualRun } from './testing/virtual-run'

/**
 * Dead letters decoded per convention by a decoder written here from DLQ-REPLAY.md — Spring's
 * integers read with DataView as big-endian int32/int64, Connect's and the hub's as text — then
 * followed back to the original record on the source topic.
 */

interface Decoded {
  convention: 'spring' | 'connect' | 'hub'
  topic: string
  partition: number
  offset: bigint
  timestamp?: number
  consumerGroup?: string
  exceptionClass: string
  message: string
  stacktrace?: string
}

function view(b: Buffer | undefined, bytes: number): DataView {
  if (!b || b.length !== bytes) throw new Error(`expected ${bytes} bytes, got ${b?.length}`)
  return new DataView(b.buffer, b.byteOffset, b.byteLength)
}

function decode(r: BusRecord): Decoded {
  const h = r.headers
  const text = (name: string) => {
    const v = lastHeaderText(h, name)
    if (v === undefined) throw new Error(`${r.topic}/${r.offset}: header ${name} missing`)
    return v
  }
  if (lastHeader(h, 'kafka_dlt-original-topic')) {
    return {
      convention: 'spring',
      topic: text('kafka_dlt-original-topic'),
      partition: view(lastHeader(h, 'kafka_dlt-original-partition'), 4).getInt32(0, false),
      offset: view(lastHeader(h, 'kafka_dlt-original-offset'), 8).getBigInt64(0, false),
      timestamp: Number(view(lastHeader(h, 'kafka_dlt-original-timestamp'), 8).getBigInt64(0, false)),
      consumerGroup: text('kafka_dlt-original-consumer-group'),
      exceptionClass: text('kafka_dlt-exception-cause-fqcn'),
      message: text('kafka_dlt-exception-message'),
      stacktrace: text('kafka_dlt-exception-stacktrace'),
    }
  }
  if (lastHeader(h, '__connect.errors.topic')) {
    for (const n of ['connector.name', 'task.id', 'stage', 'class.name']) text(`__connect.errors.${n}`)
    return {
      convention: 'connect',
      topic: text('__connect.errors.topic'),
      partition: Number(text('__connect.errors.partition')),
      offset: BigInt(text('__connect.errors.offset')),
      exceptionClass: text('__connect.errors.exception.class.name'),
      message: text('__connect.errors.exception.message'),
      stacktrace: text('__connect.errors.exception.stacktrace'),
    }
  }
  return {
    convention: 'hub',
    topic: text('x-dlq-original-topic'),
    partition: Number(text('x-dlq-original-partition')),
    offset: BigInt(text('x-dlq-original-offset')),
    timestamp: Date.parse(text('x-dlq-original-timestamp')),
    consumerGroup: text('x-dlq-consumer-group'),
    exceptionClass: text('x-dlq-error-category'),
    message: `${text('x-dlq-error-code')} ${text('x-dlq-error-text')}`,
  }
}

describe('dead-letter records', () => {
  let run: VirtualRun
  let dead: BusRecord[]
  let sources: Map<string, BusRecord>

  beforeAll(async () => {
    run = await startVirtualRun({ seed: 23, plants: 5, lines: 2, rate: 1, duration: '12m', operators: false })
    const { topics } = run.sim
    dead = await readTopics(run.transport, topics.map((t) => t.dlq))
    const src = await readTopics(run.transport, topics.map((t) => t.source))
    sources = new Map(src.map((r) => [`${r.topic}/${r.partition}/${r.offset}`, r]))
  })
  afterAll(() => stopVirtualRun(run))

  it('exist in all three conventions, on topics named the way each convention names them', () => {
    const byConvention = new Map<string, string[]>()
    for (const r of dead) byConvention.set(decode(r).convention, [...(byConvention.get(decode(r).convention) ?? []), r.topic])
    expect([...byConvention.keys()].sort()).toEqual(['connect', 'hub', 'spring'])
    for (const t of byConvention.get('spring')!) expect(t).toMatch(/^lt\.hub\.\w+\.in-dlt$/)
    for (const t of byConvention.get('connect')!) expect(t).toMatch(/^lt\.connect\.erp-sink-\w+\.dlq$/)
    for (const t of byConvention.get('hub')!) expect(t).toMatch(/^lt\.hub\.\w+\.dlq$/)
  })

  it('point at their original record, whose key, value and business headers they keep', () => {
    expect(dead.length).toBeGreaterThanOrEqual(10)
    for (const r of dead) {
      const d = decode(r)
      const original = sources.get(`${d.topic}/${d.partition}/${d.offset}`)
      expect(original, `${r.topic}/${r.offset} → ${d.topic}/${d.partition}/${d.offset}`).toBeDefined()
      expect(r.key).toEqual(original!.key)
      if (d.timestamp !== undefined) expect(d.timestamp).toBe(original!.timestamp)
      expect(lastHeaderText(r.headers, 'correlation_id')).toBe(lastHeaderText(original!.headers, 'correlation_id'))
      expect(lastHeaderText(r.headers, 'traceparent')).toBe(lastHeaderText(original!.headers, 'traceparent'))
      const value = JSON.parse(r.value!.toString()) as { scope?: string; correlation_id: string; idempotency_key: string }
      if (value.scope === 'backflush') {
        // A partial posting parks only the failed goods movement, with an idempotency key of its own.
        expect(value.correlation_id).toBe(lastHeaderText(original!.headers, 'correlation_id'))
        expect(value.idempotency_key).toBe(`${lastHeaderText(original!.headers, 'idempotency_key')}:cogi:${JSON.parse(r.value!.toString()).material}`)
        expect(lastHeaderText(r.headers, 'idempotency_key')).toBe(value.idempotency_key)
      } else expect(r.value).toEqual(original!.value)
      if (d.convention === 'spring') expect(r.partition).toBe(d.partition)
    }
  })

  it('say what failed in terms a person can triage', () => {
    const events = run.events.filter((e) => e.event_type === 'erp.posting_dead_lettered')
    for (const r of dead) {
      const d = decode(r)
      expect(d.message.length).toBeGreaterThan(10)
      if (d.convention === 'spring') {
        expect(d.consumerGroup).toBe('lt.sim.hub')
        expect(d.exceptionClass).toMatch(/^[a-z]+(\.[a-z]+)+\.[A-Z][\w$]+$/)
        expect(d.stacktrace).toMatch(/\n\tat /)
        expect(lastHeaderText(r.headers, 'kafka_dlt-exception-fqcn')).toBe('org.springframework.kafka.listener.ListenerExecutionFailedException')
      }
      if (d.convention === 'connect') expect(d.exceptionClass).toMatch(/^org\.apache\.kafka\.connect\.errors\.\w+Exception$/)
      // Whole dead-lettered postings also report it as a hop event, with the same SAP code.
      const correlation = lastHeaderText(r.headers, 'correlation_id')
      const event = events.find((e) => e.correlation_id === correlation && e.attributes?.dlq_topic === r.topic)
      if (event) expect(d.message).toContain(event.error!.code)
    }
  })
})
