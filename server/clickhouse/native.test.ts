import { readdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from './client'
import { chCommand, chInsert, chQuery, ClickHouseQueryError } from './exec'
import { compactRows } from './insert-formats'
import { migrateClickHouse } from './migrate'
import { encodable, epochMs, parseType } from './native'
import { openTestClickHouse } from './testing'

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse

/** Every type the schema uses, defaults that are expressions over other columns, and a column per awkward case. */
const COLUMNS = `
  id String,
  lc LowCardinality(String) DEFAULT 'none',
  u8 UInt8 DEFAULT 0, u16 UInt16 DEFAULT 1, u32 UInt32 DEFAULT 0, u64 UInt64 DEFAULT 0,
  i32 Int32 DEFAULT -1, i64 Int64 DEFAULT -1,
  f Float64 DEFAULT 0.5,
  flag Bool DEFAULT false,
  at DateTime64(3, 'UTC'),
  ingested DateTime64(3, 'UTC') DEFAULT toDateTime64('2030-01-01 00:00:00', 3, 'UTC'),
  recorded DateTime64(3, 'UTC') DEFAULT ingested,
  bucket DateTime('UTC') DEFAULT toDateTime(0, 'UTC'),
  maybe Nullable(UInt32),
  tags Array(String) DEFAULT [],
  delays Array(UInt32) DEFAULT [],
  origins Array(DateTime64(3, 'UTC')) DEFAULT [],
  pairs Array(Tuple(DateTime64(3, 'UTC'), Float64)) DEFAULT [],
  attrs Map(LowCardinality(String), String) DEFAULT map(),
  replayed Bool DEFAULT lc != 'none'`

const ROWS: Record<string, unknown>[] = [
  {
    id: 'full',
    lc: 'plant-1000',
    u8: 255, u16: 65535, u32: 4294967295, u64: '18446744073709551615',
    i32: -2147483648, i64: '-9223372036854775808',
    f: -1.25e-7,
    flag: true,
    at: '2026-11-22T13:05:00.123456Z',
    ingested: new Date('2026-11-22T13:05:01.5Z'),
    recorded: '2026-11-22T15:05:00+02:00',
    bucket: '2026-11-22 13:00:00',
    maybe: 0,
    tags: ['a', '', 'ünïcødé ✓', 'x'.repeat(42), 'y'.repeat(43), 'z'.repeat(300), 'é'.repeat(100)],
    delays: [0, 1, 4294967295],
    origins: ['2026-11-22 13:05:00.007', new Date(Date.UTC(1999, 0, 1))],
    pairs: [['2026-11-22T13:05:00Z', 1.5], [new Date(0), 2.25]],
    attrs: { shift: 'Early', 'key with spaces': 'v\t\n"\'\\', leer: '' },
  },
  { id: 'defaults', at: new Date(0), maybe: null, tags: null, attrs: undefined, lc: undefined },
  { id: 'some', at: '2026-01-02T03:04:05Z', i64: 9007199254740993n, u64: 42, flag: false, recorded: null, tags: ['only'] },
]

beforeAll(async () => {
  engine = openTestClickHouse('native', 'lt_native')
  ch = engine.ch
  await chCommand(ch, { name: 'test.createDb', sql: 'CREATE DATABASE IF NOT EXISTS lt_native' })
  for (const t of ['via_native', 'via_json']) {
    await chCommand(ch, { name: 'test.create', sql: `CREATE TABLE lt_native.${t} (${COLUMNS}) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100` })
  }
})

afterAll(async () => {
  await engine.dispose()
})

const readAll = async (table: string) =>
  (await chQuery<Record<string, unknown>>(ch, { name: 'test.read', sql: `SELECT * FROM lt_native.${table} ORDER BY id` })).rows

describe('Native inserts on chDB', () => {
  it('store the rows JSONCompactEachRow stores, DEFAULT expressions, nulls and edge values included', async () => {
    await chInsert(ch, { table: 'via_native', rows: ROWS })
    // The reference: the same rows as JSONCompactEachRow, parsed by the engine (the server path).
    const { columns, body } = compactRows(ROWS.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]))))
    await ch.chdb!.rawInsert({
      table: 'lt_native.via_json',
      columns,
      values: body,
      format: 'JSONCompactEachRow',
      settings: { input_format_null_as_default: 1, date_time_input_format: 'best_effort' },
    })
    const [native, json] = [await readAll('via_native'), await readAll('via_json')]
    expect(native).toHaveLength(3)
    expect(native).toEqual(json)
    // Spot checks that the reference itself is what we mean.
    const byId = Object.fromEntries(native.map((r) => [r.id, r]))
    expect(byId.defaults).toMatchObject({ lc: 'none', u16: 1, f: 0.5, recorded: '2030-01-01 00:00:00.000', maybe: null, tags: [], attrs: {}, replayed: false })
    expect(byId.full).toMatchObject({ at: '2026-11-22 13:05:00.123', recorded: '2026-11-22 13:05:00.000', replayed: true })
    expect(byId.some).toMatchObject({ recorded: '2030-01-01 00:00:00.000' })
    const wide = await chQuery<{ id: string; i64: string; u64: string }>(ch, { name: 'test.wide', sql: 'SELECT id, toString(i64) AS i64, toString(u64) AS u64 FROM lt_native.via_native ORDER BY id' })
    expect(wide.rows).toEqual([
      { id: 'defaults', i64: '-1', u64: '0' },
      { id: 'full', i64: '-9223372036854775808', u64: '18446744073709551615' },
      { id: 'some', i64: '9007199254740993', u64: '42' },
    ])
  })

  it('store each row’s own time when rows repeat the previous row’s time, alternate, or are null in between', async () => {
    await chCommand(ch, { name: 'test.createTimes', sql: "CREATE TABLE lt_native.times (n UInt32, at DateTime64(3, 'UTC'), recorded Nullable(DateTime64(3, 'UTC'))) ENGINE = MergeTree ORDER BY n" })
    const [t1, t2] = ['2026-01-02T03:04:05.001Z', '2026-01-02T03:04:05.002Z']
    await chInsert(ch, {
      table: 'times',
      rows: [
        { n: 1, at: t1, recorded: null },
        { n: 2, at: t1, recorded: t2 },
        { n: 3, at: t2, recorded: t2 },
        { n: 4, at: t1, recorded: null },
        { n: 5, at: new Date(t2), recorded: t1 },
      ],
    })
    const { rows } = await chQuery<{ n: number; at: string; recorded: string | null }>(ch, {
      name: 'test.readTimes',
      sql: 'SELECT n, toString(at) AS at, toString(recorded) AS recorded FROM lt_native.times ORDER BY n',
    })
    const [s1, s2] = ['2026-01-02 03:04:05.001', '2026-01-02 03:04:05.002']
    expect(rows).toEqual([
      { n: 1, at: s1, recorded: null },
      { n: 2, at: s1, recorded: s2 },
      { n: 3, at: s2, recorded: s2 },
      { n: 4, at: s1, recorded: null },
      { n: 5, at: s2, recorded: s1 },
    ])
  })

  it('refuse a value that is not of its column, naming the column, and store nothing of the batch', async () => {
    const bad = [{ id: 'ok', at: new Date() }, { id: 'bad', at: 'yesterday' }]
    await expect(chInsert(ch, { table: 'via_native', rows: bad })).rejects.toThrow(/Column at: "yesterday" is not a time/)
    await expect(chInsert(ch, { table: 'via_native', rows: [{ id: 'n', at: new Date(), u32: 'many' }] })).rejects.toThrow(/Column u32: "many" is not an integer/)
    await expect(chInsert(ch, { table: 'via_native', rows: [{ id: 'n', at: new Date(), tags: 'a,b' }] })).rejects.toThrow(/not an array/)
    await expect(chInsert(ch, { table: 'via_native', rows: [{ id: 'n', at: new Date(), u8: 256 }] })).rejects.toThrow(/Column u8: 256 is not within UInt8/)
    await expect(chInsert(ch, { table: 'via_native', rows: [{ id: 'n', at: new Date(), i32: -2147483649 }] })).rejects.toThrow(/Column i32: -2147483649 is not within Int32/)
    await expect(chInsert(ch, { table: 'via_native', rows: [{ id: 'n', at: new Date(), flag: 2 }] })).rejects.toThrow(/Column flag: 2 is not within Bool/)
    await expect(chInsert(ch, { table: 'via_native', rows: [{ id: 'n', at: new Date(), nope: 1 }] })).rejects.toBeInstanceOf(ClickHouseQueryError)
    expect((await readAll('via_native')).map((r) => r.id)).toEqual(['defaults', 'full', 'some'])
  })

  it('leave no file behind in the spool, inserts the engine refused included', async () => {
    await chCommand(ch, { name: 'test.create', sql: `CREATE TABLE lt_native.checked (id String, n UInt32, CONSTRAINT small CHECK n < 10) ENGINE = MergeTree ORDER BY id` })
    await expect(chInsert(ch, { table: 'checked', rows: [{ id: 'a', n: 1 }, { id: 'b', n: 11 }] })).rejects.toThrow(/small/)
    expect((await readAll('checked')).length).toBe(0)
    expect(readdirSync(ch.spoolDir!)).toEqual([])
  })

  it('count a batch retried with its token once', async () => {
    const rows = [{ id: 'once', at: new Date() }]
    await chInsert(ch, { table: 'via_native', rows, dedupToken: 'native-test:1' })
    await chInsert(ch, { table: 'via_native', rows, dedupToken: 'native-test:1' })
    const { rows: n } = await chQuery<{ n: number }>(ch, { name: 'test.count', sql: `SELECT count() AS n FROM lt_native.via_native WHERE id = 'once'` })
    expect(n[0]!.n).toBe(1)
  })

  it('can encode every column of every table the migrations create', async () => {
    await migrateClickHouse(ch)
    const { rows } = await chQuery<{ table: string; name: string; type: string }>(ch, {
      name: 'test.columns',
      sql: `SELECT table, name, type FROM system.columns WHERE database = {db:String}`,
      params: { db: ch.database },
    })
    expect(rows.length).toBeGreaterThan(100)
    expect(rows.filter((c) => !c.type.startsWith('AggregateFunction') && !encodable(c.type)).map((c) => `${c.table}.${c.name} ${c.type}`)).toEqual([])
  })
})

describe('native helpers', () => {
  it('read nested types with quoted and numeric arguments', () => {
    expect(parseType("Map(LowCardinality(String), Array(DateTime64(3, 'UTC')))")).toEqual({
      name: 'Map',
      args: [
        { name: 'LowCardinality', args: [{ name: 'String', args: [] }] },
        { name: 'Array', args: [{ name: 'DateTime64', args: ['3', "'UTC'"] }] },
      ],
    })
    expect(() => parseType('Array(String')).toThrow(/Cannot read/)
    expect(encodable('Nullable(Decimal(10, 2))')).toBe(false)
  })

  it('read times as the engine does: no zone is UTC, offsets apply, digits past the millisecond are cut', () => {
    expect(epochMs('2026-11-22 13:05:00', 'c')).toBe(Date.UTC(2026, 10, 22, 13, 5))
    expect(epochMs('2026-11-22T13:05:00.9999Z', 'c')).toBe(Date.UTC(2026, 10, 22, 13, 5, 0, 999))
    expect(epochMs('2026-11-22T13:05:00-05:30', 'c')).toBe(Date.UTC(2026, 10, 22, 18, 35))
    expect(() => epochMs(1700000000, 'c')).toThrow(/Column c: 1700000000 is not a time/)
  })
})
