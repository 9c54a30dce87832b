import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { LocalTransport } from '../../server/bus/local'
import { uniqueTopic, waitFor } from '../../server/bus/testing'
import type { ClickHouse } from '../../server/clickhouse/client'
import { chQuery } from '../../server/clickhouse/exec'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { openTestClickHouse } from '../../server/clickhouse/testing'
import { loadConfig } from '../../server/config'
import type { Db } from '../../server/db/client'
import { freshPgliteDb } from '../../server/db/testing'
import { tapDefinitionSchema, type TapDefinitionInput } from '../../server/domain/taps'
import { logger } from '../../server/logger'
import { metrics } from '../../server/metrics'
import { DLQ_HEADERS } from '../telemetry/dlq'
import { startTapRunner, type TapRunner } from './runner'
import { ack, confirmation, plantTaps, plantTopics, posting } from './testing'
import { recentDay } from '../../server/testing/recent-day'

/**
 * The tap runner on the in-process bus, chDB and PGlite: taps follow the `taps` table (enable,
 * disable, a changed mapping, delete) and pause themselves past their failure bound.
 */

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
let db: Db
const runners: TapRunner[] = []
const buses: LocalTransport[] = []

beforeAll(async () => {
  engine = openTestClickHouse('taps-runner')
  ch = engine.ch
  await migrateClickHouse(ch)
  db = await freshPgliteDb()
})
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()))
  await Promise.all(buses.splice(0).map((b) => b.close()))
  // Every runner reads the whole table: each test starts without taps.
  await db.prisma.tap.deleteMany()
  await db.prisma.tapStatus.deleteMany()
})
afterAll(async () => {
  await db?.close()
  await engine?.dispose()
})

/** A runner on a fresh bus holding the plant's MES topic; `fileTaps` stand for TAPS_FILE's. */
async function setup(prefix = `t${randomBytes(3).toString('hex')}`, fileTaps: TapDefinitionInput[] = []) {
  const plant = `P${randomBytes(3).toString('hex')}`
  const bus = new LocalTransport({ retryBackoff: { initialMs: 20, maxMs: 100 }, firstOffset: 0 })
  buses.push(bus)
  const config = { ...loadConfig({ TELEMETRY_DLQ_TOPIC: uniqueTopic('tap-dlq'), INGEST_FLUSH_MS: '20' }), taps: fileTaps.map((t) => tapDefinitionSchema.parse(t)) }
  const topics = plantTopics(prefix)
  // The plant's own topics, created by the plant (a tap never creates them).
  await bus.ensureTopics([{ name: topics.mes, partitions: 2 }])
  const runner = await startTapRunner({ config, clickhouse: ch, prisma: db.prisma, transport: bus, logger, pollMs: 60_000, lagRefreshMs: 50 })
  runners.push(runner)
  const producer = await bus.producer()
  const [mes] = plantTaps(prefix, plant, topics)
  return { prefix, plant, bus, config, topics, runner, producer, mes: mes! }
}

async function saveTap(definition: TapDefinitionInput, enabled = true) {
  const parsed = tapDefinitionSchema.parse(definition)
  await db.prisma.tap.upsert({
    where: { name: parsed.name },
    create: { name: parsed.name, definition: parsed, enabled, createdBy: 'test', updatedBy: 'test' },
    update: { definition: parsed, enabled, updatedBy: 'test' },
  })
}

const hops = async (plant: string) =>
  (
    await chQuery<{ correlation_id: string; event_type: string; src_offset: string }>(ch, {
      name: 'test.tapHops',
      sql: `SELECT correlation_id, event_type, toString(src_offset) AS src_offset FROM ${ch.database}.hop_events WHERE plant = {p:String} ORDER BY correlation_id`,
      params: { p: plant },
    })
  ).rows

const statusOf = (name: string) => db.prisma.tapStatus.findUnique({ where: { name } })

describe('the tap runner', () => {
  it('starts an enabled tap, applies a changed mapping from the next record without re-reading, stops a disabled one and forgets a deleted one', async () => {
    const { prefix, plant, topics, runner, producer, mes, bus } = await setup()
    await saveTap(mes, false)
    await runner.refresh()
    expect(runner.status()).toEqual([])

    await saveTap(mes)
    await runner.refresh()
    expect(runner.status()).toMatchObject([{ name: mes.name, origin: 'database', state: 'running' }])
    await producer.send(topics.mes, [0, 1, 2].map((i) => confirmation(prefix, i, Date.now())))
    await waitFor('three hops', async () => ((await hops(plant)).length === 3 ? true : undefined))

    await saveTap({ ...mes, mapping: { ...mes.mapping, event_type: { value: 'production.operation_confirmed_v2' } } })
    await runner.refresh()
    await producer.send(topics.mes, [confirmation(prefix, 3, Date.now())])
    const after = await waitFor('the fourth hop', async () => {
      const rows = await hops(plant)
      return rows.length === 4 ? rows : undefined
    })
    expect(after.map((r) => r.event_type)).toEqual([...Array(3).fill('production.operation_confirmed'), 'production.operation_confirmed_v2'])
    // Lag is read every 50 ms here, after the commit that follows the insert.
    await waitFor('lag 0 in the status', async () => {
      await runner.refresh()
      return (await statusOf(mes.name))?.lag === 0n ? true : undefined
    })
    expect(await statusOf(mes.name)).toMatchObject({ state: 'running', origin: 'database', mapped: 4n, failed: 0n })
    const exposition = await metrics().registry.metrics()
    expect(exposition).toContain(`linetrace_tap_records_total{tap="${mes.name}",result="mapped"} 4`)
    expect(exposition).toContain(`linetrace_tap_state{tap="${mes.name}",state="running"} 1`)
    expect(exposition).toContain(`linetrace_tap_lag{tap="${mes.name}"} 0`)

    await saveTap(mes, false)
    await runner.refresh()
    expect(await statusOf(mes.name)).toMatchObject({ state: 'stopped' })
    await producer.send(topics.mes, [confirmation(prefix, 4, Date.now())])
    await new Promise((r) => setTimeout(r, 500))
    expect(await hops(plant)).toHaveLength(4)

    await db.prisma.tap.delete({ where: { name: mes.name } })
    await runner.refresh()
    expect(await statusOf(mes.name)).toBeNull()
    expect(await bus.listTopics(), 'only the DLQ was created').not.toContain(topics.hub)
  })

  it('runs TAPS_FILE taps; a database tap of the same name does not replace one', async () => {
    const prefix = `f${randomBytes(3).toString('hex')}`
    const plant = `F${randomBytes(3).toString('hex')}`
    const [fileTap] = plantTaps(prefix, plant, plantTopics(prefix))
    await saveTap({ ...fileTap!, mapping: { ...fileTap!.mapping, plant: { value: 'OTHER' } } })
    const { runner, producer } = await setup(prefix, [fileTap!])
    await runner.refresh()
    expect(runner.status()).toMatchObject([{ name: fileTap!.name, origin: 'file', state: 'running' }])
    await producer.send(plantTopics(prefix).mes, [confirmation(prefix, 1, Date.now())])
    await waitFor('the hop of the file tap', async () => ((await hops(plant)).length === 1 ? true : undefined))
    expect(await statusOf(fileTap!.name)).toMatchObject({ origin: 'file' })
  })

  it('waits for a tapped topic that does not exist, without creating it', async () => {
    const { prefix, plant, topics, runner, producer, bus } = await setup()
    const [, hub] = plantTaps(prefix, plant, topics)
    await saveTap(hub!)
    await runner.refresh()
    expect(runner.status()).toMatchObject([{ state: 'starting', lastError: `topic ${topics.hub} does not exist (yet); the tap starts when it does` }])
    expect(await bus.listTopics()).not.toContain(topics.hub)
    await bus.ensureTopics([{ name: topics.hub, partitions: 1 }])
    await runner.refresh()
    expect(runner.status()).toMatchObject([{ state: 'running' }])
    await producer.send(topics.hub, [{ value: JSON.stringify({ DOCNUM: '1', refs: { confirmation: `${prefix}-C9` } }) }])
    await waitFor('the posting hop', async () => ((await hops(plant)).length === 1 ? true : undefined))
  })

  it('gives every hop of a transaction one origin when the tap that reads its first hop is far behind the others', async () => {
    const { prefix, plant, topics, runner, producer, bus } = await setup()
    await bus.ensureTopics([topics.hub, topics.erp].map((name) => ({ name, partitions: 1 })))
    // The MES topic holds a backlog of other confirmations before those of the ten transactions,
    // whose postings and acknowledgements sit alone on their topics: without the gate, the hub's and
    // ERP's taps read them first and each transaction got two or three origins.
    const T = Date.parse(`${recentDay(1)}T08:00:00Z`)
    const backlog = Array.from({ length: 2_000 }, (_, i) => ({ ...confirmation(`${prefix}-old`, i, T + i), partition: 0 }))
    const ten = [...Array(10).keys()]
    await producer.send(topics.mes, [...backlog, ...ten.map((i) => ({ ...confirmation(prefix, i, T + 10_000 + i * 10), partition: 0 }))])
    await producer.send(topics.hub, ten.map((i) => posting(prefix, i, T + 10_003 + i * 10)))
    await producer.send(topics.erp, ten.map((i) => ack(prefix, i, T + 10_006 + i * 10)))
    for (const tap of plantTaps(prefix, plant, topics)) await saveTap(tap)
    await runner.refresh()
    expect(runner.status().map((s) => s.state)).toEqual(['running', 'running', 'running'])
    await waitFor('every hop', async () => ((await hops(plant)).length === 2_030 ? true : undefined), { seen: () => runner.status() })

    const { rows } = await chQuery<{ correlation_id: string; origins: number; hops: number }>(ch, {
      name: 'test.tapOrigins',
      sql: `SELECT correlation_id, uniqExact(origin_time) AS origins, count() AS hops FROM ${ch.database}.hop_events WHERE plant = {p:String} AND correlation_id LIKE {c:String} GROUP BY correlation_id ORDER BY correlation_id`,
      params: { p: plant, c: `${prefix}-C%` },
    })
    expect(rows).toEqual(ten.map((i) => ({ correlation_id: `${prefix}-C${i}`, origins: 1, hops: 3 })).sort((a, b) => a.correlation_id.localeCompare(b.correlation_id)))
  })

  it('joins a hop read after a restart to the origin its transaction was stored under before it', async () => {
    const { prefix, plant, topics, runner, producer, bus, config } = await setup()
    await bus.ensureTopics([topics.hub, topics.erp].map((name) => ({ name, partitions: 1 })))
    for (const tap of plantTaps(prefix, plant, topics)) await saveTap(tap)
    await runner.refresh()
    const T = Date.parse(`${recentDay(1)}T08:00:00Z`)
    const ten = [...Array(10).keys()]
    await producer.send(topics.mes, ten.map((i) => ({ ...confirmation(prefix, i, T + i * 10), partition: 0 })))
    await producer.send(topics.hub, ten.map((i) => posting(prefix, i, T + 3 + i * 10)))
    await waitFor('the hops before the stop', async () => ((await hops(plant)).length === 20 ? true : undefined), { seen: () => runner.status() })
    // A stop with the acknowledgements still to come: the next process starts with an empty cache.
    await runners.splice(runners.indexOf(runner), 1)[0]!.stop()
    const again = await startTapRunner({ config, clickhouse: ch, prisma: db.prisma, transport: bus, logger, pollMs: 60_000, lagRefreshMs: 50 })
    runners.push(again)
    await producer.send(topics.erp, ten.map((i) => ack(prefix, i, T + 6 + i * 10)))
    await waitFor('the acknowledgements', async () => ((await hops(plant)).length === 30 ? true : undefined), { seen: () => again.status() })

    const { rows } = await chQuery<{ correlation_id: string; origins: string[] }>(ch, {
      name: 'test.tapOriginsAfterRestart',
      sql: `SELECT correlation_id, arraySort(groupUniqArray(toString(origin_time))) AS origins FROM ${ch.database}.hop_events WHERE plant = {p:String} GROUP BY correlation_id ORDER BY correlation_id`,
      params: { p: plant },
    })
    // Each transaction keeps the origin of its confirmation (its time: these records carry none).
    expect(rows).toEqual(
      ten.map((i) => ({ correlation_id: `${prefix}-C${i}`, origins: [new Date(T + i * 10).toISOString().replace('T', ' ').replace('Z', '')] })).sort((a, b) => a.correlation_id.localeCompare(b.correlation_id)),
    )
  })

  it('dead-letters what it cannot map, pauses past the failure bound, and resumes when an admin clears the pause', async () => {
    const { prefix, plant, config, topics, runner, producer, mes, bus } = await setup()
    await saveTap({ ...mes, maxErrorRate: 0.2 })
    await runner.refresh()
    const dlq: string[] = []
    const dlqConsumer = bus.consumer({ groupId: uniqueTopic('dlq-reader'), topics: [config.env.TELEMETRY_DLQ_TOPIC] })
    await dlqConsumer.run(async (batch) => {
      for (const r of batch.records) dlq.push(`${r.headers[DLQ_HEADERS.reason]} ${r.headers[DLQ_HEADERS.errors]}`)
    })

    // A few failures: dead-lettered with the reason, the tap goes on.
    const bad = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ value: JSON.stringify({ order: { AUFNR: String(from + i) } }), partition: 0 }))
    await producer.send(topics.mes, [...bad(3), ...Array.from({ length: 10 }, (_, i) => ({ ...confirmation(prefix, i, Date.now()), partition: 0 }))])
    await waitFor('3 dead letters and 10 hops', async () => (dlq.length === 3 && (await hops(plant)).length === 10 ? true : undefined), { seen: () => dlq.length })
    expect(dlq[0]).toMatch(new RegExp(`^tap_missing .*tap ${mes.name}: correlation_id: MES_CONF_ID gave nothing.*"path":"correlation_id","message":"expression MES_CONF_ID"`))
    await runner.refresh()
    expect(await statusOf(mes.name)).toMatchObject({ state: 'running', mapped: 10n, failed: 3n, lastError: expect.stringContaining('correlation_id: MES_CONF_ID gave nothing') })

    // Then a run of them: past 20% of the last records (at least 100 seen), the tap pauses.
    await producer.send(topics.mes, bad(120, 100))
    await waitFor('the pause', async () => ((await statusOf(mes.name))?.pausedReason ? true : undefined))
    await runner.refresh()
    const paused = await statusOf(mes.name)
    expect(paused).toMatchObject({ state: 'paused', pausedReason: expect.stringMatching(/^\d+ of the last \d+ records failed to map \(more than 20%\); last: .*correlation_id: MES_CONF_ID gave nothing/) })
    expect(runner.status()[0]).toMatchObject({ state: 'paused' })

    // Still paused at the next poll; the admin fixes the mapping and resumes.
    await runner.refresh()
    expect(runner.status()[0]).toMatchObject({ state: 'paused' })
    await saveTap({ ...mes, maxErrorRate: 0.2, mapping: { ...mes.mapping, correlation_id: 'MES_CONF_ID ? MES_CONF_ID : "order-" & order.AUFNR' } })
    await db.prisma.tapStatus.update({ where: { name: mes.name }, data: { pausedReason: null } })
    await runner.refresh()
    expect(runner.status()[0]).toMatchObject({ state: 'running' })
    // The run that paused it was not committed: read again with the fixed mapping.
    await waitFor('the 120 records as hops', async () => ((await hops(plant)).length === 130 ? true : undefined), { seen: () => runner.status() })
    expect(dlq).toHaveLength(3)
  })
})
