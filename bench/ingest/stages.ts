/**
 * Per-record cost of each ingest stage, and end-to-end throughput through the local bus into chDB.
 * `node --import tsx bench/ingest/stages.ts [events]` from the repo root. Prints a table;
 * not a test (speed is measured, never asserted).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { LocalTransport } from '../../server/bus/local'
import { createClickHouse } from '../../server/clickhouse/client'
import { chCommand, chInsert } from '../../server/clickhouse/exec'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import type { HopEventInsert, HopPayloadInsert } from '../../server/clickhouse/tables/hop-events'
import { loadConfig } from '../../server/config'
import { freshPgliteDb } from '../../server/db/testing'
import { hopEventSchema } from '../../server/domain/hop-event'
import { logger } from '../../server/logger'
import { sleep } from '../../server/retry'
import { decodeRecord } from '../../ingest/telemetry/decode'
import { hopEventInPlace } from '../../ingest/telemetry/hop-event-validator'
import { makeHopEvent, makePlainRecord, makeStructuredRecord } from '../../ingest/testing/telemetry-records'
import { normalise } from '../../ingest/telemetry/normalise'
import { OriginCache } from '../../ingest/telemetry/origin-cache'
import { createTelemetryPipeline } from '../../ingest/telemetry/pipeline'
import { toHopEventRow, toHopPayloadRow } from '../../ingest/telemetry/rows'
import { cpuMicros } from '../usage'

const N = Number(process.argv[2] ?? 200_000)
const results: [string, string][] = []

function per(n: number, wallMs: number, cpuUs: number): string {
  return `${((wallMs * 1000) / n).toFixed(2)} µs/record wall, ${(cpuUs / n).toFixed(2)} µs CPU`
}

function time(label: string, n: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(n, 20_000); i++) fn(i) // warm up
  const [t0, c0] = [performance.now(), cpuMicros()]
  for (let i = 0; i < n; i++) fn(i)
  results.push([label, per(n, performance.now() - t0, cpuMicros() - c0)])
}

const inputs = Array.from({ length: 1000 }, (_, i) => makeHopEvent({ correlation_id: `txn-${i % 250}`, plant: `P${i % 5}` }))
const records = inputs.map((e) => makePlainRecord(e))
const texts = records.map((r) => r.value!.toString())
const parsed = texts.map((t) => JSON.parse(t) as unknown)
const utf8 = new TextDecoder('utf-8', { fatal: true })
results.push(['record size', `${records[0]!.value!.length} bytes (every field set, small payload)`])

time('TextDecoder(fatal) UTF-8', N, (i) => utf8.decode(records[i % 1000]!.value!))
time('JSON.parse', N, (i) => JSON.parse(texts[i % 1000]!))
time('zod safeParse (hopEventSchema)', N, (i) => hopEventSchema.safeParse(parsed[i % 1000]))
// The first pass completes each value in place (its test events already carry schema_version).
time('compiled validator (hopEventInPlace)', N, (i) => hopEventInPlace(parsed[i % 1000]))
time('decodeRecord, plain JSON (all of the above + payload)', N, (i) => decodeRecord(records[i % 1000]!))
const structured = inputs.map((e) => makeStructuredRecord(e))
time('decodeRecord, CloudEvents structured', N, (i) => decodeRecord(structured[i % 1000]!))
const decoded = records.map((r) => {
  const d = decodeRecord(r)
  if (!d.ok) throw new Error(d.reason)
  return d
})
const cache = new OriginCache()
const now = new Date()
time('normalise', N, (i) => normalise(decoded[i % 1000]!.event, records[i % 1000]!.headers, cache, now))
const events = decoded.map((d, i) => normalise(d.event, records[i]!.headers, cache, now))
time('rows (hop_events + hop_payloads objects)', N, (i) => {
  const e = events[i % 1000]!
  return [toHopEventRow(e, records[i % 1000]!, false), toHopPayloadRow(e, decoded[i % 1000]!.payloadJson!)]
})
const rows = events.map((e, i) => toHopEventRow(e, records[i]!, false))
time('JSON.stringify of a row (inside chInsert)', N, (i) => JSON.stringify(rows[i % 1000]))

const dataDir = mkdtempSync(path.join(tmpdir(), 'lt-microbench-'))
const ch = createClickHouse({ database: 'linetrace', dataDir })
try {
  await migrateClickHouse(ch)
  const batch = 50_000
  const evRows: HopEventInsert[] = []
  const plRows: HopPayloadInsert[] = []
  for (let i = 0; i < batch; i++) {
    const e = { ...events[i % 1000]!, event_id: `bench-${i}` }
    evRows.push(toHopEventRow(e, { topic: 'bench', partition: 0, offset: String(i) }, false))
    plRows.push(toHopPayloadRow(e, decoded[i % 1000]!.payloadJson!))
  }
  // The same table without the five materialized views that hang off hop_events, for comparison.
  await chCommand(ch, { name: 'bench.noViews', sql: 'CREATE TABLE linetrace.hop_events_no_views AS linetrace.hop_events' })
  const tables = [
    ['hop_events', evRows],
    ['hop_events_no_views', evRows],
    ['hop_payloads', plRows],
  ] as const
  for (const [table, rowsOf] of tables) {
    let best = { wall: Infinity, cpu: Infinity }
    for (let r = 0; r < 3; r++) {
      const [t0, c0] = [performance.now(), cpuMicros()]
      await chInsert(ch, { table, rows: rowsOf, dedupToken: `bench:${table}:${r}` })
      const wall = performance.now() - t0
      if (wall < best.wall) best = { wall, cpu: cpuMicros() - c0 }
    }
    const views = table === 'hop_events' ? ', its 5 views included' : ''
    results.push([`chInsert ${table} (${batch} rows${views}; best of 3)`, per(batch, best.wall, best.cpu)])
  }

  // End to end: local bus → pipeline → chDB, PGlite for checkpoints and plants. A batch never
  // outgrows one delivery (pipeline.ts), so the bus's delivery size bounds the insert size.
  const db = await freshPgliteDb()
  const deliveries = [
    { label: 'default deliveries (≤ 5,000 records, ≤ 1 MiB)', options: {} },
    { label: 'large deliveries (≤ 50,000 records, ≤ 64 MiB)', options: { maxBatchRecords: 50_000, maxBatchBytes: 64 * 1024 * 1024 } },
  ]
  for (const [run, { label, options }] of deliveries.entries()) {
    const bus = new LocalTransport({ maxPartitionBytes: 1024 * 1024 * 1024, retainConsumedRecords: 0, ...options })
    const topic = `bench-tel-${run}`
    const config = loadConfig({ TELEMETRY_TOPIC: topic, TELEMETRY_DLQ_TOPIC: `${topic}-dlq`, TELEMETRY_PARTITIONS: '6' })
    await bus.ensureTopics([{ name: topic, partitions: 6 }])
    const producer = await bus.producer()
    for (let i = 0; i < N; i += 10_000) {
      await producer.send(
        topic,
        Array.from({ length: Math.min(10_000, N - i) }, (_, j) => {
          const e = { ...inputs[(i + j) % 1000]!, event_id: `e2e-${run}-${i + j}` }
          return { key: e.correlation_id, value: JSON.stringify(e) }
        }),
      )
    }
    const pipeline = createTelemetryPipeline({ transport: bus, clickhouse: ch, prisma: db.prisma, config, logger, lagRefreshMs: 200 })
    const [t0, c0] = [performance.now(), cpuMicros()]
    await pipeline.start()
    const probe = bus.consumer({ groupId: config.kafka.groupId, topics: [topic] })
    for (;;) {
      const lag = (await probe.lag()).reduce((n, l) => n + l.lag, 0)
      if (lag === 0) break
      await sleep(20)
    }
    const wall = performance.now() - t0
    results.push([`end to end, ${N} events, 6 partitions, ${label}`, `${Math.round((N * 1000) / wall)} events/s; ${per(N, wall, cpuMicros() - c0)}`])
    await pipeline.stop()
    await bus.close()
  }
  await db.close()
} finally {
  await ch.close()
  rmSync(dataDir, { recursive: true, force: true })
}

const width = Math.max(...results.map(([l]) => l.length))
for (const [label, value] of results) process.stdout.write(`${label.padEnd(width)}  ${value}\n`)
process.stdout.write(`load average while running: ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`)
