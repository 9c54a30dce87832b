import { createClickHouse } from '../../server/clickhouse/client'
import { chCommand, chInsert, chQuery, insertColumns } from '../../server/clickhouse/exec'
import { compactRows } from '../../server/clickhouse/insert-formats'
import { nativeBlock } from '../../server/clickhouse/native'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import type { HopEventInsert, HopPayloadInsert } from '../../server/clickhouse/tables/hop-events'
import { hopEventSchema } from '../../server/domain/hop-event'
import { isoMs } from '../../server/domain/iso-time'
import { decodeRecord } from '../../ingest/telemetry/decode'
import { hopEventInPlace } from '../../ingest/telemetry/hop-event-validator'
import { normalise } from '../../ingest/telemetry/normalise'
import { OriginCache } from '../../ingest/telemetry/origin-cache'
import { toHopEventRow, toHopPayloadRow } from '../../ingest/telemetry/rows'
import { benchRecord } from './events'
import { benchRows } from './rows'
import { cpuMicros } from '../usage'

/**
 * Where the time of one hop event goes, in µs per record, measured on the bench events: each JS
 * stage of the pipeline, and what an insert costs (chInsert: serialising the rows as a Native block,
 * the 'js: serialise' figure, plus the engine's work) — reading the input alone (a Null-engine
 * copy of hop_events; beside it the same rows as JSONCompactEachRow, the text format a server is
 * sent), the table without its materialized views, each view (the table with only
 * that view attached, minus the table alone), hop_payloads, and the part merges of everything
 * inserted (OPTIMIZE … FINAL, per row inserted). Reported as process CPU time (all threads, chDB's
 * included), which other processes on a shared machine move far less than wall time; wall time
 * beside it. Each insert and serialising figure is the cheapest of three.
 */
export interface StageCost {
  cpuUs: number
  wallUs: number
}

export async function measure(rows: number, fn: () => unknown): Promise<StageCost> {
  const [t0, c0] = [performance.now(), cpuMicros()]
  await fn()
  const round = (x: number) => Math.round(x * 100) / 100
  return { cpuUs: round((cpuMicros() - c0) / rows), wallUs: round(((performance.now() - t0) * 1000) / rows) }
}

/**
 * The cheapest of three runs of `fn` on what `prepare` gives for each round (made outside the
 * clock). The first run of a serialiser is mostly unoptimised code and grows its buffer (10.3 µs a
 * row against 2.5 once warm, on hop_events rows), which the pipeline pays once per process, not per
 * insert; and the deltas between insert setups are small beside the noise of a shared machine.
 */
async function cheapestOf3<T>(rows: number, prepare: (round: number) => T, fn: (input: T) => unknown): Promise<StageCost> {
  let best: StageCost = { cpuUs: Infinity, wallUs: Infinity }
  for (let r = 0; r < 3; r++) {
    const input = prepare(r)
    const c = await measure(rows, () => fn(input))
    if (c.cpuUs < best.cpuUs) best = c
  }
  return best
}

/** `n` bench records through the JS stages, then `n`-row inserts into a fresh chDB under `dataDir`. */
export async function measureCosts(n: number, dataDir: string): Promise<Record<string, StageCost>> {
  const costs: Record<string, StageCost> = {}
  let next = 0
  const records = () =>
    Array.from({ length: n }, () => {
      const i = next++
      return { topic: 't', partition: 0, offset: String(i), key: null, value: Buffer.from(benchRecord(i).value), headers: {}, timestamp: 0 }
    })
  const origins = new OriginCache(200_000)
  const now = new Date()
  /** The rows of n fresh records (distinct event ids, so no insert is a re-send of another). */
  const rowsOf = () => Array.from({ length: n }, () => benchRows(next++, origins, now))

  const recs = records()
  const texts = recs.map((r) => r.value.toString())
  costs['js: JSON.parse'] = await measure(n, () => texts.map((t) => JSON.parse(t) as unknown))
  const parsed = texts.map((t) => JSON.parse(t) as unknown)
  costs['js: zod safeParse'] = await measure(n, () => parsed.map((p) => hopEventSchema.safeParse(p)))
  // Its own fresh parses: the compiled validator completes each value in place, once, as in decode.
  const fresh = texts.map((t) => JSON.parse(t) as unknown)
  costs['js: compiled validator'] = await measure(n, () => fresh.map((p) => hopEventInPlace(p)))
  const decoded = recs.map((r) => decodeRecord(r))
  costs['js: decodeRecord (utf-8, parse, compiled validator, payload text)'] = await measure(n, () => recs.map((r) => decodeRecord(r)))
  const events = decoded.map((d) => (d.ok ? d.event : undefined)!)
  // Once: normalise completes the decoded events in place, as in the pipeline.
  costs['js: normalise'] = await measure(n, () => events.map((e) => normalise(e, {}, origins, now)))
  const normalised = events
  costs['js: rows'] = await measure(n, () => normalised.map((e, i) => [toHopEventRow(e, recs[i]!, false), toHopPayloadRow(e, '{}')]))
  const rows = normalised.map((e, i) => toHopEventRow(e, recs[i]!, false))
  // Read per event by the batches, the origin cache and the Native block (three or four times).
  const times = rows.map((r) => r.occurred_at)
  costs['js: read an occurred_at, Date.parse'] = await cheapestOf3(n, () => times, (t) => t.map((x) => Date.parse(x)))
  costs['js: read an occurred_at, isoMs'] = await cheapestOf3(n, () => times, (t) => t.map((x) => isoMs(x)))
  costs['js: serialise hop_events rows, JSONCompactEachRow (compactRows: a server)'] = await cheapestOf3(n, () => rows, compactRows)

  const ch = createClickHouse({ database: 'linetrace', dataDir })
  try {
    await migrateClickHouse(ch)
    const db = ch.database
    const declared = await insertColumns(ch, 'hop_events')
    costs['js: serialise hop_events rows, Native (nativeBlock: chDB)'] = await cheapestOf3(n, () => rows, (r) => nativeBlock(r, declared, 'hop_events'))
    let token = 0
    /** The cheapest of three inserts of fresh rows (`batch` first). */
    const insertEvents = (table: string, batch: { event: HopEventInsert }[]) =>
      cheapestOf3(
        n,
        (r) => (r === 0 ? batch : rowsOf()).map((b) => b.event),
        (rows) => chInsert(ch, { table, rows, dedupToken: `costs:${table}:${token++}` }),
      )
    await insertEvents('hop_events', rowsOf()) // warm up: first parts, caches
    // Background merges of earlier inserts would land in later figures: they are measured apart, last.
    await chCommand(ch, { name: 'bench.stopMerges', sql: 'SYSTEM STOP MERGES' })
    const views = (
      await chQuery<{ name: string }>(ch, {
        name: 'bench.views',
        sql: `SELECT name FROM system.tables WHERE database = {db:String} AND engine = 'MaterializedView' AND position(create_table_query, {from:String}) > 0 ORDER BY name`,
        params: { db, from: `FROM ${db}.hop_events` },
      })
    ).rows.map((r) => r.name)
    costs['insert: hop_events, all views'] = await insertEvents('hop_events', rowsOf())
    await chCommand(ch, { name: 'bench.nullCopy', sql: `CREATE TABLE ${db}.hop_events_parse AS ${db}.hop_events ENGINE = Null` })
    costs['insert: input parsing only (Null engine)'] = await insertEvents('hop_events_parse', rowsOf())
    // The text format chDB took before (and a server still takes), parsed by the engine alone.
    const text = compactRows(rowsOf().map((r) => r.event))
    costs['engine: parse JSONCompactEachRow (Null engine, no serialising)'] = await measure(n, () =>
      ch.chdb!.rawInsert({ table: `${db}.hop_events_parse`, columns: text.columns, values: text.body, format: 'JSONCompactEachRow', settings: { input_format_null_as_default: 1, date_time_input_format: 'best_effort' } }),
    )
    for (const v of views) await chCommand(ch, { name: 'bench.detach', sql: `DETACH TABLE ${db}.${v}` })
    costs['insert: hop_events, no views'] = await insertEvents('hop_events', rowsOf())
    // Each view against the table alone measured right before it: the cost of an insert drifts
    // during the run (warm-up, the machine's load) by more than one view costs.
    for (const v of views) {
      const bare = await insertEvents('hop_events', rowsOf())
      await chCommand(ch, { name: 'bench.attach', sql: `ATTACH TABLE ${db}.${v}` })
      const with1 = await insertEvents('hop_events', rowsOf())
      costs[`insert: view ${v}`] = { cpuUs: Math.round((with1.cpuUs - bare.cpuUs) * 100) / 100, wallUs: Math.round((with1.wallUs - bare.wallUs) * 100) / 100 }
      await chCommand(ch, { name: 'bench.detach', sql: `DETACH TABLE ${db}.${v}` })
    }
    for (const v of views) await chCommand(ch, { name: 'bench.attach', sql: `ATTACH TABLE ${db}.${v}` })
    const payloads = rowsOf().map((r) => r.payload)
    costs['insert: hop_payloads'] = await measure(n, () => chInsert(ch, { table: 'hop_payloads', rows: payloads satisfies HopPayloadInsert[], dedupToken: 'costs:payloads' }))
    await chCommand(ch, { name: 'bench.startMerges', sql: 'SYSTEM START MERGES' })
    const inserted = n * 3 * (2 * views.length + 3) + n // hop_events rows (warm-up, all views, none, each view and its baseline) and payloads
    const tables = (
      await chQuery<{ name: string }>(ch, {
        name: 'bench.mergeTrees',
        sql: `SELECT name FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree' ORDER BY name`,
        params: { db },
      })
    ).rows.map((r) => r.name)
    costs['merge: part merges (OPTIMIZE FINAL of every table, per hop event inserted)'] = await measure(inserted, async () => {
      for (const t of tables) await chCommand(ch, { name: 'bench.optimize', sql: `OPTIMIZE TABLE ${db}.${t} FINAL` })
    })
  } finally {
    await ch.close()
  }
  return costs
}
