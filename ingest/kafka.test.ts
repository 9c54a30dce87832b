import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { KafkaTransport } from '../server/bus/kafka'
import { uniqueTopic, waitFor } from '../server/bus/testing'
import { createClickHouse, type ClickHouse } from '../server/clickhouse/client'
import { chCommand, chQuery } from '../server/clickhouse/exec'
import { migrateClickHouse } from '../server/clickhouse/migrate'
import { loadConfig } from '../server/config'
import { freshPgliteDb } from '../server/db/testing'
import type { Db } from '../server/db/client'
import type { HopEventInput } from '../server/domain/hop-event'
import { logger } from '../server/logger'
import { createTelemetryPipeline, type TelemetryPipeline } from './telemetry/pipeline'
import { makeHopEvent } from './testing/telemetry-records'

/**
 * The ingest worker against a real Kafka broker (started once per run by the global setup through
 * `npm run kafka`), records produced by an independent kafkajs producer, real chDB and PGlite.
 */
const brokers = inject('kafkaBrokers')
const kafka = new Kafka({ brokers: brokers.split(','), clientId: 'ingest-test-producer', logLevel: logLevel.NOTHING })
let producer: Producer

beforeAll(async () => {
  producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
})
afterAll(() => producer.disconnect())

async function createTopic(topic: string, partitions = 3) {
  const admin = kafka.admin()
  await admin.connect()
  // The source topic accepts records over the 1 MiB record limit of ingest, so "too large" can be tested.
  const configEntries = [{ name: 'max.message.bytes', value: String(3 * 1024 * 1024) }]
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries }, { topic: `${topic}.dlq`, numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()
}

type Message = { key: string | null; value: Buffer | string | null; headers?: Record<string, string | Buffer> }
async function produce(topic: string, messages: Message[]) {
  for (let i = 0; i < messages.length; i += 5000) await producer.send({ topic, messages: messages.slice(i, i + 5000), acks: -1 })
}

/**
 * Transactions of eight hops, one every 20 s; every 20th event is re-sent later with the same
 * event_id (5 %). The spacing keeps each rollup state at a realistic few hundred events. The
 * rollups count exactly (uniqExact of a 64-bit hash, migration 0011); with uniq's 32-bit hashes
 * before it, two distinct events of a state collided with probability about n²/2³³, now n²/2⁶⁵.
 */
function trafficWithDuplicates(n: number, prefix: string, plants: string[]): { messages: Message[]; unique: HopEventInput[] } {
  // Four days back, on the hour: 100k events span ~3 days, all inside every table's TTL (flow_kpi_counts_1m keeps 14 days).
  const start = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 4 * 86_400_000
  const unique: HopEventInput[] = []
  for (let i = 0; i < n; i++) {
    const txn = Math.floor(i / 8)
    unique.push({
      ...makeHopEvent(),
      event_id: `${prefix}-e${i}`,
      correlation_id: `${prefix}-t${txn}`,
      plant: plants[txn % plants.length]!,
      line: `L${txn % 4}`,
      event_type: i % 8 === 6 ? 'erp.posting_succeeded' : 'integration.transformed',
      hop: i % 8 === 6 ? 'erp' : 'hub',
      origin_time: new Date(start + txn * 20_000).toISOString(),
      occurred_at: new Date(start + txn * 20_000 + (i % 8) * 700).toISOString(),
      payload: { i },
    })
  }
  const resent = unique.filter((_, i) => i % 20 === 7)
  const all = [...unique, ...resent]
  return { messages: all.map((e) => ({ key: e.correlation_id, value: JSON.stringify(e) })), unique }
}

async function countDistinct(ch: ClickHouse, prefix: string, plants: string[]) {
  const { rows } = await chQuery<{ events: number; rollup_1m: number; rollup_1h: number; txns: number; e2e: number }>(ch, {
    name: 'test.counts',
    sql: `SELECT
      (SELECT uniqExact(event_id) FROM linetrace.hop_events WHERE startsWith(event_id, {p:String})) AS events,
      (SELECT sum(c) FROM (SELECT uniqExactMerge(ids) AS c FROM linetrace.flow_kpi_counts_1m WHERE counter = 'events' AND plant IN {plants:Array(String)} GROUP BY plant, flow, hop, line, bucket)) AS rollup_1m,
      (SELECT sum(c) FROM (SELECT uniqExactMerge(ids) AS c FROM linetrace.flow_kpi_counts_1h WHERE counter = 'events' AND plant IN {plants:Array(String)} GROUP BY plant, flow, hop, line, bucket)) AS rollup_1h,
      (SELECT count() FROM (SELECT correlation_id FROM linetrace.txn_summary WHERE startsWith(correlation_id, {p:String}) GROUP BY plant, flow, origin_time, correlation_id)) AS txns,
      (SELECT count() FROM (SELECT correlation_id FROM linetrace.e2e_kpi_1h WHERE startsWith(correlation_id, {p:String}) GROUP BY plant, flow, origin_hour, correlation_id)) AS e2e`,
    params: { p: prefix, plants },
  })
  return rows[0]!
}

describe('ingest pipeline on a real broker (in-process)', () => {
  let dataDir: string
  let ch: ClickHouse
  let db: Db
  const running: { pipeline: TelemetryPipeline; transport: KafkaTransport }[] = []

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lt-ingest-kafka-'))
    ch = createClickHouse({ database: 'linetrace', dataDir })
    await migrateClickHouse(ch)
    db = await freshPgliteDb()
  })
  afterAll(async () => {
    for (const r of running) await r.pipeline.stop().then(() => r.transport.close())
    await db.close()
    await ch.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  async function startPipeline(topic: string) {
    const config = loadConfig({ DATA_DIR: dataDir, KAFKA_BROKERS: brokers, TELEMETRY_TOPIC: topic, TELEMETRY_DLQ_TOPIC: `${topic}.dlq`, KAFKA_GROUP_ID: uniqueTopic('grp') })
    const transport = new KafkaTransport(config.kafka)
    const pipeline = createTelemetryPipeline({ transport, clickhouse: ch, prisma: db.prisma, config, logger, lagRefreshMs: 200, backoff: { initialMs: 100, maxMs: 500 } })
    await pipeline.start()
    running.push({ pipeline, transport })
    return pipeline
  }

  it('100k events with 5 % re-sent duplicates land once, and every rollup counts each event once', async () => {
    const topic = uniqueTopic('lt.telemetry.dup')
    await createTopic(topic, 6)
    const prefix = uniqueTopic('dup')
    const plants = ['D1', 'D2', 'D3']
    const { messages, unique } = trafficWithDuplicates(100_000, prefix, plants)
    await produce(topic, messages)
    const pipeline = await startPipeline(topic)
    await waitFor('all records consumed and committed', () => (pipeline.status().lag === 0 && pipeline.status().written >= messages.length ? true : undefined), {
      timeoutMs: 240_000,
      intervalMs: 200,
      seen: () => pipeline.status(),
    })
    const counts = await countDistinct(ch, prefix, plants)
    const txns = new Set(unique.map((e) => e.correlation_id)).size
    expect(counts).toEqual({ events: unique.length, rollup_1m: unique.length, rollup_1h: unique.length, txns, e2e: txns })
  }, 300_000)

  it('sends poison records to the DLQ topic with their reason and keeps going', async () => {
    const topic = uniqueTopic('lt.telemetry.poison')
    await createTopic(topic, 1)
    const good = [makeHopEvent({ event_id: `${topic}-ok1` }), makeHopEvent({ event_id: `${topic}-ok2` })]
    const { correlation_id: _dropped, ...noCorrelation } = makeHopEvent({ event_id: `${topic}-nocorr` })
    const poison: { reason: string; message: Message }[] = [
      { reason: 'not_json', message: { key: 'a', value: '{"event_id": nope' } },
      { reason: 'schema', message: { key: 'b', value: JSON.stringify({ ...makeHopEvent(), attempt: 'three' }) } },
      { reason: 'empty', message: { key: 'c', value: null } },
      { reason: 'not_utf8', message: { key: 'd', value: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) } },
      { reason: 'schema', message: { key: 'e', value: JSON.stringify(noCorrelation) } },
      { reason: 'too_large', message: { key: 'f', value: 'x'.repeat(1024 * 1024 + 10) } },
    ]
    await produce(topic, [{ key: 'g1', value: JSON.stringify(good[0]) }, ...poison.map((p) => p.message), { key: 'g2', value: JSON.stringify(good[1]) }])
    const pipeline = await startPipeline(topic)
    await waitFor('good records written and the topic committed', () => (pipeline.status().lag === 0 && pipeline.status().written >= 2 ? true : undefined), {
      timeoutMs: 60_000,
      seen: () => pipeline.status(),
    })
    const written = await chQuery<{ event_id: string }>(ch, { name: 'test.good', sql: 'SELECT event_id FROM linetrace.hop_events WHERE startsWith(event_id, {p:String}) ORDER BY event_id', params: { p: topic } })
    expect(written.rows.map((r) => r.event_id)).toEqual([`${topic}-ok1`, `${topic}-ok2`])

    const consumer = kafka.consumer({ groupId: uniqueTopic('dlq-reader'), maxWaitTimeInMs: 250 })
    await consumer.connect()
    await consumer.subscribe({ topic: `${topic}.dlq`, fromBeginning: true })
    const dead: { key: string; reason: string; offset: string }[] = []
    await consumer.run({
      eachMessage: async ({ message }) => {
        dead.push({ key: message.key?.toString() ?? '', reason: message.headers?.['x-lt-dlq-reason']?.toString() ?? '', offset: message.headers?.['x-lt-original-offset']?.toString() ?? '' })
      },
    })
    await waitFor('six dead letters', () => (dead.length >= 6 ? true : undefined), { timeoutMs: 30_000, seen: () => dead })
    await consumer.disconnect()
    expect(dead.map((d) => [d.key, d.reason, d.offset])).toEqual(poison.map((p, i) => [p.message.key, p.reason, String(i + 1)]))
  }, 120_000)

  it('three encodings of the same event produce identical rows', async () => {
    const topic = uniqueTopic('lt.telemetry.enc')
    await createTopic(topic, 1)
    const base = (n: string) => makeHopEvent({ event_id: `${topic}-${n}`, correlation_id: `${topic}-txn-${n}` })
    const plain = base('plain')
    const structured = base('structured')
    const binary = base('binary')
    const split = (e: HopEventInput) => {
      const { event_id, event_type, occurred_at, correlation_id, causation_id, ...data } = e
      return { attrs: { event_id, event_type, occurred_at, correlation_id, causation_id }, data }
    }
    const s = split(structured)
    const b = split(binary)
    await produce(topic, [
      { key: plain.correlation_id, value: JSON.stringify(plain) },
      {
        key: structured.correlation_id,
        value: JSON.stringify({ specversion: '1.0', id: s.attrs.event_id, type: s.attrs.event_type, source: '/mes', time: s.attrs.occurred_at, correlationid: s.attrs.correlation_id, causationid: s.attrs.causation_id, data: s.data }),
        headers: { 'content-type': 'application/cloudevents+json' },
      },
      {
        key: binary.correlation_id,
        value: JSON.stringify(b.data),
        headers: { ce_specversion: '1.0', ce_id: b.attrs.event_id, ce_type: b.attrs.event_type, ce_source: '/mes', ce_time: b.attrs.occurred_at, ce_correlationid: b.attrs.correlation_id, ce_causationid: b.attrs.causation_id! },
      },
    ])
    const pipeline = await startPipeline(topic)
    await waitFor('three rows', () => (pipeline.status().lag === 0 && pipeline.status().written >= 3 ? true : undefined), { timeoutMs: 60_000, seen: () => pipeline.status() })
    const { rows } = await chQuery<Record<string, unknown>>(ch, {
      name: 'test.rows',
      sql: `SELECT * EXCEPT (ingested_at, recorded_at, src_offset) FROM linetrace.hop_events WHERE startsWith(event_id, {p:String}) ORDER BY event_id`,
      params: { p: topic },
    })
    expect(rows).toHaveLength(3)
    const normalised = rows.map((r) => JSON.parse(JSON.stringify(r).replaceAll(/(plain|structured|binary)/g, 'X')) as unknown)
    expect(normalised[1]).toEqual(normalised[0])
    expect(normalised[2]).toEqual(normalised[0])
  }, 120_000)

  it('commits nothing while ClickHouse refuses writes, and loses nothing once it is back', async () => {
    const topic = uniqueTopic('lt.telemetry.chdown')
    await createTopic(topic, 2)
    const prefix = uniqueTopic('down')
    const plants = ['C1']
    const { messages, unique } = trafficWithDuplicates(2_000, prefix, plants)
    await chCommand(ch, { name: 'test.detach', sql: 'DETACH TABLE linetrace.hop_payloads' })
    await produce(topic, messages)
    const pipeline = await startPipeline(topic)
    await waitFor('the pipeline to notice the failure', () => (pipeline.status().status === 'stalled' || pipeline.status().lastError ? true : undefined), {
      timeoutMs: 60_000,
      seen: () => pipeline.status(),
    })
    await new Promise((r) => setTimeout(r, 1500))
    expect(pipeline.status().lag, 'offsets committed while ClickHouse was failing').toBe(messages.length)
    await chCommand(ch, { name: 'test.attach', sql: 'ATTACH TABLE linetrace.hop_payloads' })
    await waitFor('recovery', () => (pipeline.status().lag === 0 ? true : undefined), { timeoutMs: 60_000, seen: () => pipeline.status() })
    const counts = await countDistinct(ch, prefix, plants)
    expect(counts).toMatchObject({ events: unique.length, rollup_1m: unique.length, rollup_1h: unique.length })
    const payloads = await chQuery<{ n: number }>(ch, { name: 'test.payloads', sql: 'SELECT uniqExact(event_id) AS n FROM linetrace.hop_payloads WHERE startsWith(event_id, {p:String})', params: { p: prefix } })
    expect(payloads.rows[0]!.n).toBe(unique.length)
  }, 180_000)
})

describe('ingest worker killed with SIGKILL and restarted', () => {
  const children: ChildProcess[] = []
  afterAll(() => children.forEach((c) => c.kill('SIGKILL')))

  type Status = { written: number; lag: number; status: string; pending: number; ahead: number }

  function startChild(dataDir: string, topic: string, group: string) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'ingest/testing/worker-child.ts', dataDir, brokers, topic, group], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'error' },
    })
    children.push(child)
    const state = { last: undefined as undefined | Status }
    let buffer = ''
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop()!
      for (const line of lines) if (line.startsWith('{')) state.last = JSON.parse(line)
    })
    return { child, state }
  }

  /** 60k events with re-sends; the first worker is killed once `killWhen` holds; a second one finishes. */
  async function killAndRestart(name: string, killWhen: (s: Status) => boolean) {
    const topic = uniqueTopic(`lt.telemetry.${name}`)
    await createTopic(topic, 3)
    const prefix = uniqueTopic(name)
    const plants = ['K1', 'K2', 'K3']
    const { messages, unique } = trafficWithDuplicates(60_000, prefix, plants)
    await produce(topic, messages)
    const dataDir = mkdtempSync(join(tmpdir(), 'lt-ingest-kill-'))
    const group = uniqueTopic(`${name}-group`)
    try {
      const first = startChild(dataDir, topic, group)
      await waitFor('the first worker to reach the kill point', () => (first.state.last && killWhen(first.state.last) ? true : undefined), {
        timeoutMs: 120_000,
        intervalMs: 5,
        seen: () => first.state.last,
      })
      first.child.kill('SIGKILL')
      await new Promise((r) => first.child.once('exit', r))
      const killedAt = first.state.last!.written
      expect(killedAt).toBeLessThan(messages.length)

      const second = startChild(dataDir, topic, group)
      await waitFor('the restarted worker to catch up', () => (second.state.last && second.state.last.lag === 0 && second.state.last.written > 0 ? true : undefined), {
        timeoutMs: 180_000,
        intervalMs: 50,
        seen: () => second.state.last,
      })
      second.child.kill('SIGTERM')
      expect(await new Promise((r) => second.child.once('exit', r))).toBe(0)

      const ch = createClickHouse({ database: 'linetrace', dataDir })
      try {
        const counts = await countDistinct(ch, prefix, plants)
        const txns = new Set(unique.map((e) => e.correlation_id)).size
        expect(counts).toEqual({ events: unique.length, rollup_1m: unique.length, rollup_1h: unique.length, txns, e2e: txns })
      } finally {
        await ch.close()
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }

  it('loses nothing and double-counts nothing', async () => {
    await killAndRestart('kill', (s) => s.written >= 10_000)
  }, 420_000)

  // Two partitions in flight (INGEST_PARTITIONS_IN_FLIGHT): killed while one delivery is decoded and
  // waits for its rows to be written as another's insert runs. Its offsets were not committed.
  it('killed while a delivery is decoded but not yet written: loses nothing and double-counts nothing', async () => {
    await killAndRestart('kill-pending', (s) => s.written >= 5_000 && s.pending >= 2)
  }, 420_000)

  // A released delivery lets Kafka hand over the partition's next one, decoded while the rows of
  // the first are inserted (HandlerContext.release): killed while such a delivery is decoded but
  // not yet inserted. Neither delivery was committed; the second's commit waited for the first.
  it('killed while a prefetched delivery is decoded but not yet inserted: loses nothing and double-counts nothing', async () => {
    await killAndRestart('kill-ahead', (s) => s.written >= 5_000 && s.ahead >= 1)
  }, 420_000)
})
