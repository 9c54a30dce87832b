import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { LocalTransport } from '../../server/bus/local'
import type { BusRecord, OutgoingRecord } from '../../server/bus/port'
import { uniqueTopic, waitFor } from '../../server/bus/testing'
import type { ClickHouse } from '../../server/clickhouse/client'
import { chCommand, chQuery } from '../../server/clickhouse/exec'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { openTestClickHouse } from '../../server/clickhouse/testing'
import { loadConfig } from '../../server/config'
import type { Db } from '../../server/db/client'
import { freshPgliteDb } from '../../server/db/testing'
import type { HopEventInput } from '../../server/domain/hop-event'
import { logger } from '../../server/logger'
import { DLQ_HEADERS } from './dlq'
import { makeHopEvent, makeOutgoingRecord } from '../testing/telemetry-records'
import { ingestMetrics } from './metrics'
import { createTelemetryPipeline, type TelemetryPipeline } from './pipeline'

/**
 * The pipeline on real engines: chDB (one temp directory for this file), PGlite in memory and the
 * local transport. Each test has its own topics, consumer group and plant codes.
 */

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
let db: Db
const running: TelemetryPipeline[] = []
const buses: LocalTransport[] = []

beforeAll(async () => {
  engine = openTestClickHouse('ingest-pipeline')
  ch = engine.ch
  await migrateClickHouse(ch)
  db = await freshPgliteDb()
})
// Raw row counts are the point of several tests: background merges would collapse re-sent copies.
// Per test, because DETACH/ATTACH (the failure test) brings the table back with merges on.
beforeEach(async () => {
  await chCommand(ch, { name: 'test.stopMerges', sql: `SYSTEM STOP MERGES ${ch.database}.hop_events` })
})
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()))
  await Promise.all(buses.splice(0).map((b) => b.close()))
})
afterAll(async () => {
  await db?.close()
  await engine?.dispose()
})

const plantCode = () => `T${randomBytes(4).toString('hex')}`

function setup(env: Record<string, string> = {}) {
  // Offsets from 0, so the assertions can name them (a new local bus's default follows the clock).
  const bus = new LocalTransport({ retryBackoff: { initialMs: 20, maxMs: 100 }, firstOffset: 0 })
  buses.push(bus)
  const base = {
    TELEMETRY_TOPIC: uniqueTopic('tel'),
    TELEMETRY_DLQ_TOPIC: uniqueTopic('tel-dlq'),
    KAFKA_GROUP_ID: uniqueTopic('ingest'),
    TELEMETRY_PARTITIONS: '2',
    INGEST_FLUSH_MS: '50',
  }
  const config = (more: Record<string, string> = {}) => loadConfig({ ...base, ...env, ...more })
  const topic = base.TELEMETRY_TOPIC
  /** A pipeline (started, stopped after the test); `more` overrides settings of this one only. */
  const pipeline = async (more: Record<string, string> = {}) => {
    const p = createTelemetryPipeline({
      transport: bus,
      clickhouse: ch,
      prisma: db.prisma,
      config: config(more),
      logger,
      lagRefreshMs: 50,
      backoff: { initialMs: 20, maxMs: 200 },
    })
    running.push(p)
    await p.start()
    return p
  }
  const send = async (records: OutgoingRecord[], to = topic) => (await bus.producer()).send(to, records)
  /** The group's uncommitted records, read from the transport (not from the pipeline's view). */
  const uncommitted = async () => {
    const lags = await bus.consumer({ groupId: base.KAFKA_GROUP_ID, topics: [topic] }).lag()
    return lags.reduce((n, l) => n + l.lag, 0)
  }
  const allCommitted = () => waitFor('every telemetry record committed', async () => ((await uncommitted()) === 0 ? true : undefined), { timeoutMs: 30_000 })
  return { bus, topic, dlqTopic: base.TELEMETRY_DLQ_TOPIC, groupId: base.KAFKA_GROUP_ID, pipeline, send, uncommitted, allCommitted }
}

async function count(table: string, where: string, params: Record<string, unknown>): Promise<number> {
  const r = await chQuery<{ n: number }>(ch, { name: 'test.count', sql: `SELECT count() AS n FROM ${ch.database}.${table} WHERE ${where}`, params })
  return r.rows[0]!.n
}
const rawRows = (topic: string) => count('hop_events', 'src_topic = {t:String}', { t: topic })

function events(n: number, plant: string, overrides: Partial<HopEventInput> = {}): HopEventInput[] {
  return Array.from({ length: n }, (_, i) => makeHopEvent({ plant, correlation_id: `${plant}-txn-${i % 4}`, ...overrides }))
}

/** Everything on a topic, read by a group of its own. */
async function readAll(bus: LocalTransport, topic: string, expected: number): Promise<BusRecord[]> {
  const seen: BusRecord[] = []
  const c = bus.consumer({ groupId: uniqueTopic('reader'), topics: [topic] })
  await c.run(async (batch) => {
    seen.push(...batch.records)
  })
  try {
    await waitFor(`${expected} records on ${topic}`, () => (seen.length >= expected ? true : undefined), { seen: () => seen.length })
  } finally {
    await c.stop()
  }
  return seen.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset))
}

test('valid records are written; a poison record goes to the DLQ with its reason and origin, and the records around it are written', async () => {
  const s = setup({ TELEMETRY_PARTITIONS: '1' })
  const plant = plantCode()
  const [a, b, c] = events(3, plant)
  const wrongTypes = { ...makeHopEvent({ plant }), latency_ms: 'slow' }
  await s.pipeline()
  await s.send([
    makeOutgoingRecord(a!),
    { key: 'k-poison', value: 'this is not json', headers: { 'x-origin': 'edge-7' } },
    makeOutgoingRecord(b!),
    { key: 'k-types', value: JSON.stringify(wrongTypes) },
    makeOutgoingRecord(c!),
  ])
  await s.allCommitted()

  expect(await rawRows(s.topic)).toBe(3)
  expect(await count('hop_payloads', 'event_id IN {ids:Array(String)}', { ids: [a!.event_id, b!.event_id, c!.event_id] })).toBe(3)

  const dlq = await readAll(s.bus, s.dlqTopic, 2)
  expect(dlq).toHaveLength(2)
  const [notJson, schema] = dlq
  const h = (r: BusRecord, name: string) => (r.headers[name] as Buffer | undefined)?.toString()
  expect(notJson!.key?.toString()).toBe('k-poison')
  expect(notJson!.value?.toString()).toBe('this is not json')
  expect(h(notJson!, 'x-origin')).toBe('edge-7')
  expect(h(notJson!, DLQ_HEADERS.reason)).toBe('not_json')
  expect(h(notJson!, DLQ_HEADERS.originalTopic)).toBe(s.topic)
  expect(h(notJson!, DLQ_HEADERS.originalPartition)).toBe('0')
  expect(h(notJson!, DLQ_HEADERS.originalOffset)).toBe('1')
  expect(Number(h(notJson!, DLQ_HEADERS.originalTimestamp))).toBeGreaterThan(0)
  expect(h(schema!, DLQ_HEADERS.reason)).toBe('schema')
  expect(h(schema!, DLQ_HEADERS.originalOffset)).toBe('3')
  expect(JSON.parse(h(schema!, DLQ_HEADERS.errors)!)).toEqual([{ path: 'latency_ms', message: expect.any(String) }])
})

test('a value too large for a Kafka record is cut in the DLQ and flagged', async () => {
  const s = setup({ TELEMETRY_PARTITIONS: '1' })
  await s.pipeline()
  const huge = JSON.stringify({ ...makeHopEvent(), payload: 'x'.repeat(1_200_000) })
  await s.send([{ key: 'k', value: huge }])
  await s.allCommitted()
  const [dead] = await readAll(s.bus, s.dlqTopic, 1)
  expect(dead!.headers[DLQ_HEADERS.reason]?.toString()).toBe('too_large')
  expect(dead!.headers[DLQ_HEADERS.valueTruncated]?.toString()).toBe(String(Buffer.byteLength(huge)))
  expect(dead!.value!.length).toBe(900 * 1024)
  expect(huge.startsWith(dead!.value!.toString())).toBe(true)
})

test('duplicates re-sent at new offsets are stored twice but counted once by the rollups', async () => {
  const s = setup()
  const plant = plantCode()
  // Recent times: flow_kpi_counts_1m keeps 14 days (its TTL drops older rows as they are inserted).
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000
  const occurredAt = new Date(hour + 5 * 60_000 + 123).toISOString()
  const batch = events(40, plant, { occurred_at: occurredAt, origin_time: new Date(hour).toISOString() })
  const p = await s.pipeline()
  await s.send(batch.map((e) => makeOutgoingRecord(e)))
  await s.allCommitted()
  await s.send(batch.map((e) => makeOutgoingRecord(e)))
  await s.allCommitted()

  expect(await rawRows(s.topic)).toBe(80)
  const kpi = await chQuery<{ events: number }>(ch, {
    name: 'test.kpi',
    sql: `SELECT uniqExactMerge(ids) AS events FROM ${ch.database}.flow_kpi_counts_1m WHERE counter = 'events' AND plant = {p:String}`,
    params: { p: plant },
  })
  expect(kpi.rows[0]!.events).toBe(40)
  const txn = await chQuery<{ events: number }>(ch, {
    name: 'test.txn',
    sql: `SELECT sum(n) AS events FROM (SELECT uniqExactMerge(events) AS n FROM ${ch.database}.txn_summary WHERE plant = {p:String} GROUP BY correlation_id)`,
    params: { p: plant },
  })
  expect(txn.rows[0]!.events).toBe(40)
  expect(p.status()).toMatchObject({ status: 'ok', written: 80, invalid: 0, newestEventTime: occurredAt })
})

test('an unknown plant is registered as discovered; a known one is left alone', async () => {
  const s = setup()
  const fresh = plantCode()
  const known = plantCode()
  await db.prisma.plant.create({ data: { code: known, name: 'Known plant', timeZone: 'Europe/Berlin', shiftCalendar: [] } })
  await s.pipeline()
  await s.send([...events(3, fresh), ...events(2, known)].map((e) => makeOutgoingRecord(e)))
  await s.allCommitted()
  expect(await db.prisma.plant.findUnique({ where: { code: fresh } })).toMatchObject({
    name: `Plant ${fresh}`,
    timeZone: 'UTC',
    shiftCalendar: [],
    discovered: true,
  })
  expect(await db.prisma.plant.findUnique({ where: { code: known } })).toMatchObject({ name: 'Known plant', discovered: false })
})

describe('failures and restarts', () => {
  test('while ClickHouse refuses inserts nothing is committed; after recovery everything is written exactly once', async () => {
    const s = setup({ TELEMETRY_PARTITIONS: '1' })
    const plant = plantCode()
    const p = await s.pipeline()
    await s.send(events(5, plant).map((e) => makeOutgoingRecord(e)))
    await s.allCommitted()

    const errors = () => ingestMetrics().errors.get().then((m) => m.values.find((v) => v.labels.stage === 'clickhouse')?.value ?? 0)
    const errorsBefore = await errors()
    await chCommand(ch, { name: 'test.detach', sql: `DETACH TABLE ${ch.database}.hop_events` })
    try {
      await s.send(events(7, plant).map((e) => makeOutgoingRecord(e)))
      // Several failed attempts, each followed by a backoff: the batch is retried, never skipped.
      await waitFor('three failed inserts', async () => ((await errors()) - errorsBefore >= 3 ? true : undefined))
      expect(p.status()).toMatchObject({ status: 'stalled', lastError: expect.stringContaining('clickhouse') })
      expect(await s.uncommitted()).toBe(7)
    } finally {
      await chCommand(ch, { name: 'test.attach', sql: `ATTACH TABLE ${ch.database}.hop_events` })
    }
    await s.allCommitted()
    expect(await rawRows(s.topic)).toBe(12)
    expect(await uniqueEvents(s.topic)).toBe(12)
    await waitFor('status ok after recovery', () => (p.status().status === 'ok' ? true : undefined), { seen: () => p.status() })
  })

  test('stop() during a lingering batch commits nothing unwritten; the next start writes it', async () => {
    const s = setup({ TELEMETRY_PARTITIONS: '1', INGEST_FLUSH_MS: '60000' })
    const plant = plantCode()
    const first = await s.pipeline()
    await s.send(events(3, plant).map((e) => makeOutgoingRecord(e)))
    await s.allCommitted() // the first batch of a partition is not held back

    const consumed = () => ingestMetrics().consumed.get().then((m) => m.values[0]?.value ?? 0)
    const before = await consumed()
    await s.send(events(4, plant).map((e) => makeOutgoingRecord(e)))
    await waitFor('the second batch consumed', async () => ((await consumed()) - before >= 4 ? true : undefined))
    const t0 = Date.now()
    await first.stop()
    expect(Date.now() - t0).toBeLessThan(5_000)
    expect(first.status().status).toBe('stopped')
    expect(await s.uncommitted()).toBe(4)
    expect(await rawRows(s.topic)).toBe(3)

    await s.pipeline()
    await s.allCommitted()
    expect(await rawRows(s.topic)).toBe(7)
  })

  /**
   * Crash after the insert, before the commit: plant registration (Postgres) fails, so the handler
   * cannot resolve although its batch is in ClickHouse; then the worker stops. The restarted worker
   * batches differently (INGEST_BATCH_MAX_ROWS=3), but rebuilds the recorded range exactly.
   */
  async function insertedButNotCommitted(n: number) {
    const s = setup({ TELEMETRY_PARTITIONS: '1' })
    const plant = plantCode()
    const crashed = await s.pipeline()
    await db.prisma.$executeRawUnsafe('ALTER TABLE "plants" RENAME TO "plants_away"')
    try {
      await s.send(events(n, plant).map((e) => makeOutgoingRecord(e)))
      await waitFor('the batch inserted', async () => ((await rawRows(s.topic)) === n ? true : undefined))
      await waitFor('plant registration failing', () => (crashed.status().lastError?.startsWith('plants') ? true : undefined))
      await crashed.stop()
    } finally {
      await db.prisma.$executeRawUnsafe('ALTER TABLE "plants_away" RENAME TO "plants"')
    }
    expect(await s.uncommitted()).toBe(n)
    const checkpoints = await db.prisma.ingestCheckpoint.findMany({ where: { groupId: s.groupId } })
    expect(checkpoints.map((c) => [c.firstOffset, c.lastOffset])).toEqual([[0n, BigInt(n - 1)]])
    return { s, plant }
  }

  test('a batch rebuilt from its checkpoint after a crash is dropped by ClickHouse (raw rows, before any merge)', async () => {
    const { s, plant } = await insertedButNotCommitted(10)
    await s.send(events(4, plant).map((e) => makeOutgoingRecord(e))) // arrives after the crash: one delivery holds both
    const restarted = await s.pipeline({ INGEST_BATCH_MAX_ROWS: '3' })
    await s.allCommitted()
    expect(await rawRows(s.topic)).toBe(14)
    expect(await uniqueEvents(s.topic)).toBe(14)
    expect(restarted.status().written).toBe(14) // the 10 were sent again, and dropped by ClickHouse
    await waitFor('checkpoints forgotten once committed', async () =>
      (await db.prisma.ingestCheckpoint.count({ where: { groupId: s.groupId } })) === 0 ? true : undefined,
    )
  })

  test('control: without the checkpoint the same records are batched differently and land twice', async () => {
    const { s } = await insertedButNotCommitted(10)
    await db.prisma.ingestCheckpoint.deleteMany({ where: { groupId: s.groupId } })
    await s.pipeline({ INGEST_BATCH_MAX_ROWS: '3' })
    await s.allCommitted()
    expect(await rawRows(s.topic)).toBe(20)
  })
})

async function uniqueEvents(topic: string): Promise<number> {
  const r = await chQuery<{ n: number }>(ch, {
    name: 'test.unique',
    sql: `SELECT uniqExact(event_id) AS n FROM ${ch.database}.hop_events WHERE src_topic = {t:String}`,
    params: { t: topic },
  })
  return r.rows[0]!.n
}

test('drain waits until everything already produced is written and committed, so a clean stop of the in-process bus loses nothing', async () => {
  const s = setup()
  const plant = plantCode()
  await s.pipeline()
  const p = running.at(-1)!
  await s.send(events(300, plant).map((e) => makeOutgoingRecord(e)))
  expect(await p.drain(30_000)).toBe(0)
  // No waiting beyond drain: the rows are there and nothing is left uncommitted.
  expect(await rawRows(s.topic)).toBe(300)
  expect(await s.uncommitted()).toBe(0)
})
