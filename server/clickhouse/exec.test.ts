import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { metrics } from '../metrics'
import type { ClickHouse } from './client'
import { chCommand, chInsert, chQuery, ClickHouseQueryError, identifier, QueryTooHeavyError } from './exec'
import { openTestClickHouse } from './testing'

const ROWS = 50_000
const GRANULE = 1024

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse

beforeAll(async () => {
  engine = openTestClickHouse('exec', 'lt_exec')
  ch = engine.ch
  await chCommand(ch, { name: 'test.createDb', sql: 'CREATE DATABASE IF NOT EXISTS lt_exec' })
  await chCommand(ch, {
    name: 'test.createTable',
    sql: `CREATE TABLE lt_exec.items (id UInt32, name String)
          ENGINE = MergeTree ORDER BY id
          SETTINGS index_granularity = ${GRANULE}, non_replicated_deduplication_window = 100`,
  })
  await chCommand(ch, {
    name: 'test.fill',
    sql: `INSERT INTO lt_exec.items SELECT number, concat('item-', toString(number)) FROM numbers({n:UInt32})`,
    params: { n: ROWS },
  })
})

afterAll(async () => {
  await engine.dispose()
})

describe('chQuery parameters', () => {
  it('binds values as parameters: an injection string matches nothing and breaks nothing', async () => {
    const evil = "' OR 1=1 --"
    const { rows } = await chQuery<{ c: number }>(ch, {
      name: 'test.injection',
      sql: 'SELECT count() AS c FROM lt_exec.items WHERE name = {name:String}',
      params: { name: evil },
    })
    expect(rows).toEqual([{ c: 0 }])

    const nasty = `a'b\\c"d;--\n\t{x:String}`
    const echo = await chQuery<{ v: string }>(ch, { name: 'test.echo', sql: 'SELECT {v:String} AS v', params: { v: nasty } })
    expect(echo.rows[0]!.v).toBe(nasty)
  })

  it('binds arrays and millisecond dates identically in both directions', async () => {
    const at = new Date('2025-03-04T05:06:07.089Z')
    const { rows } = await chQuery<{ t: string; n: number }>(ch, {
      name: 'test.dates',
      sql: `SELECT toString({t:DateTime64(3, 'UTC')}) AS t, length({names:Array(String)}) AS n`,
      params: { t: at, names: ['a', "b'", 'c'] },
    })
    expect(rows).toEqual([{ t: '2025-03-04 05:06:07.089', n: 3 }])
  })
})

describe('chQuery stats and metrics', () => {
  it('reports rows actually read from storage, not result rows', async () => {
    const full = await chQuery<{ s: number }>(ch, {
      name: 'test.statsFull',
      sql: 'SELECT sum(id) AS s FROM lt_exec.items WHERE id % 2 = 0',
    })
    expect(full.rows).toHaveLength(1)
    expect(full.stats.rowsRead).toBe(ROWS)
    expect(full.stats.bytesRead).toBeGreaterThanOrEqual(ROWS * 4)
    expect(full.stats.elapsedMs).toBeGreaterThan(0)

    // A primary-key point read touches one granule.
    const point = await chQuery<{ name: string }>(ch, {
      name: 'test.statsPoint',
      sql: 'SELECT name FROM lt_exec.items WHERE id = {id:UInt32}',
      params: { id: 31_337 },
    })
    expect(point.rows).toEqual([{ name: 'item-31337' }])
    expect(point.stats.rowsRead).toBeGreaterThan(0)
    expect(point.stats.rowsRead).toBeLessThanOrEqual(GRANULE)
  })

  it('records duration and rows read per query name', async () => {
    const m = metrics()
    const before = (await m.clickhouseRowsRead.get()).values.find((v) => v.labels.query === 'test.metrics')?.value ?? 0
    const { stats } = await chQuery(ch, { name: 'test.metrics', sql: 'SELECT max(id) FROM lt_exec.items' })
    const after = (await m.clickhouseRowsRead.get()).values.find((v) => v.labels.query === 'test.metrics')?.value ?? 0
    expect(after - before).toBe(stats.rowsRead)
    const hist = await m.clickhouseQueryDuration.get()
    const count = hist.values.find(
      (v) => v.labels.query === 'test.metrics' && v.labels.outcome === 'ok' && v.metricName?.endsWith('_count'),
    )
    expect(count?.value).toBe(1)
  })

  it('sets log_comment naming query, route and user (sanitised)', async () => {
    const { rows } = await chQuery<{ c: string }>(ch, {
      name: 'test.logComment',
      sql: `SELECT getSetting('log_comment') AS c`,
      actor: { route: "/api/trpc/trace.get'; DROP TABLE x --", user: 'ana@plant-2000' },
    })
    const comment = JSON.parse(rows[0]!.c)
    expect(comment).toMatchObject({ query: 'test.logComment', user: 'ana@plant-2000' })
    expect(comment.route).toMatch(/^\/api\/trpc\/trace\.get/)
    expect(comment.route).not.toContain("'")
  })
})

describe('chQuery concurrency', () => {
  it('answers concurrent queries and an insert correctly (dashboards fire several at once)', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => i * 3_001)
    const results = await Promise.all(
      ids.map((id) =>
        chQuery<{ name: string; s: number }>(ch, {
          name: 'test.concurrent',
          sql: 'SELECT name, (SELECT count() FROM lt_exec.items WHERE id < {id:UInt32}) AS s FROM lt_exec.items WHERE id = {id:UInt32}',
          params: { id },
        }),
      ),
    )
    expect(results.map((r) => r.rows[0])).toEqual(ids.map((id) => ({ name: `item-${id}`, s: id })))
  })
})

describe('chQuery errors', () => {
  it('maps a timeout to QueryTooHeavyError telling the user to narrow the time range', async () => {
    const run = chQuery(ch, {
      name: 'test.timeout',
      sql: 'SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) % 7 = 3',
      maxExecutionTimeSec: 0.2,
    })
    await expect(run).rejects.toBeInstanceOf(QueryTooHeavyError)
    await expect(run).rejects.toMatchObject({ code: 159, queryName: 'test.timeout' })
    await expect(run).rejects.toThrow(/narrow the time range/i)
  })

  it('keeps settings query-scoped (a tiny limit does not leak into the next query)', async () => {
    await chQuery(ch, { name: 'test.leak1', sql: 'SELECT 1', maxExecutionTimeSec: 0.5 }).catch(() => undefined)
    const { rows } = await chQuery<{ m: number }>(ch, {
      name: 'test.leak2',
      sql: `SELECT toFloat64(getSetting('max_execution_time')) AS m`,
    })
    expect(rows[0]!.m).toBe(10)
    const raw = await ch.client.query({ query: `SELECT getSetting('log_comment') AS c`, format: 'JSONEachRow' })
    expect(await raw.json()).toEqual([{ c: '' }])
  })

  it("applies a query's own settings to it alone; the seam's settings win a clash", async () => {
    const { rows } = await chQuery<{ t: number; j: number; m: number }>(ch, {
      name: 'test.own',
      sql: `SELECT toFloat64(getSetting('max_threads')) AS t, toFloat64(getSetting('compile_expressions')) AS j, toFloat64(getSetting('max_execution_time')) AS m`,
      settings: { max_threads: 1, compile_expressions: 0, max_execution_time: 1 },
    })
    expect(rows[0]).toEqual({ t: 1, j: 0, m: 10 })
    const after = await chQuery<{ j: number }>(ch, { name: 'test.own2', sql: `SELECT toFloat64(getSetting('compile_expressions')) AS j` })
    expect(after.rows[0]!.j).toBe(1)
  })

  it('maps memory and rows-to-read limits to QueryTooHeavyError', async () => {
    await expect(
      chQuery(ch, {
        name: 'test.memory',
        sql: 'SELECT groupArray(number) FROM numbers(20000000)',
        limits: { maxMemoryBytes: 10_000_000 },
      }),
    ).rejects.toMatchObject({ name: 'QueryTooHeavyError', code: 241 })
    await expect(
      chQuery(ch, { name: 'test.rows', sql: 'SELECT count() FROM lt_exec.items WHERE name != \'\'', limits: { maxRowsToRead: 100 } }),
    ).rejects.toMatchObject({ name: 'QueryTooHeavyError', code: 158 })
  })

  it('maps other errors to ClickHouseQueryError naming the query', async () => {
    const run = chQuery(ch, { name: 'test.broken', sql: 'SELECT nope FROM lt_exec.items' })
    await expect(run).rejects.toBeInstanceOf(ClickHouseQueryError)
    await expect(run).rejects.toThrow(/"test\.broken"/)
    await expect(run).rejects.toMatchObject({ code: 47 })
  })

  it('refuses bad query names and caller-supplied FORMAT', async () => {
    await expect(chQuery(ch, { name: 'bad name', sql: 'SELECT 1' })).rejects.toThrow(/Invalid query name/)
    await expect(chQuery(ch, { name: 'test.fmt', sql: 'SELECT 1 FORMAT CSV' })).rejects.toThrow(/FORMAT/)
  })
})

describe('identifier', () => {
  const SORTS = ['origin_time', 'last_seen'] as const
  it('passes whitelisted identifiers', () => {
    expect(identifier('last_seen', SORTS)).toBe('last_seen')
  })
  it('throws on anything else', () => {
    for (const bad of ['plant', 'last_seen DESC', 'last_seen; DROP TABLE x', '', 'LAST_SEEN']) {
      expect(() => identifier(bad, SORTS), bad).toThrow(/not allowed/)
    }
  })
})

describe('chInsert', () => {
  beforeAll(async () => {
    await chCommand(ch, {
      name: 'test.createEvents',
      sql: `CREATE TABLE lt_exec.ev (id String, at DateTime64(3, 'UTC'), n UInt32)
            ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100`,
    })
  })

  const count = async () =>
    (await chQuery<{ c: number }>(ch, { name: 'test.evCount', sql: 'SELECT count() AS c FROM lt_exec.ev' })).rows[0]!.c

  it('drops a batch retried with the same dedup token, keeps one with another token', async () => {
    const rows = [
      { id: 'a', at: '2025-01-06T10:00:00.123Z', n: 1 },
      { id: 'b', at: new Date('2025-01-06T10:00:01Z'), n: 2 },
    ]
    await chInsert(ch, { table: 'ev', rows, dedupToken: 't:0:0-1' })
    await chInsert(ch, { table: 'ev', rows, dedupToken: 't:0:0-1' })
    expect(await count()).toBe(2)
    await chInsert(ch, { table: 'ev', rows, dedupToken: 't:0:2-3' })
    expect(await count()).toBe(4)
    const { rows: got } = await chQuery<{ at: string }>(ch, {
      name: 'test.evAt',
      sql: `SELECT toString(at) AS at FROM lt_exec.ev WHERE id = 'a' LIMIT 1`,
    })
    expect(got[0]!.at).toBe('2025-01-06 10:00:00.123')
  })

  it('does not leak the dedup token into later inserts', async () => {
    await chInsert(ch, { table: 'ev', rows: [{ id: 'c', at: '2025-01-06T10:00:00Z', n: 3 }], dedupToken: 'leak:1' })
    await chInsert(ch, { table: 'ev', rows: [{ id: 'd', at: '2025-01-06T10:00:00Z', n: 4 }] })
    const { rows } = await chQuery<{ id: string }>(ch, {
      name: 'test.evIds',
      sql: `SELECT id FROM lt_exec.ev WHERE id IN ('c', 'd') ORDER BY id`,
    })
    expect(rows.map((r) => r.id)).toEqual(['c', 'd'])
  })

  it('leaves out a column null in every row: it gets its DEFAULT, as a null sent would', async () => {
    await chCommand(ch, {
      name: 'test.createDefaults',
      sql: `CREATE TABLE lt_exec.defs (id String, n UInt32 DEFAULT 7, twice UInt32 DEFAULT n * 2, maybe Nullable(UInt32), note String DEFAULT 'none')
            ENGINE = MergeTree ORDER BY id`,
    })
    await chInsert(ch, {
      table: 'defs',
      rows: [
        { id: 'a', n: null, twice: undefined, maybe: null, note: null },
        { id: 'b', n: 3, twice: null, maybe: null, note: undefined },
        { id: 'c', note: 'kept' },
      ],
    })
    // A batch where every row leaves every other column empty still inserts (one column is sent).
    await chInsert(ch, { table: 'defs', rows: [{ id: 'd', n: null }] })
    await chInsert(ch, { table: 'defs', rows: [{ n: null }] })
    const { rows } = await chQuery<{ id: string; n: number; twice: number; maybe: number | null; note: string }>(ch, {
      name: 'test.defs',
      sql: 'SELECT id, n, twice, maybe, note FROM lt_exec.defs ORDER BY id',
    })
    expect(rows).toEqual([
      { id: '', n: 7, twice: 14, maybe: null, note: 'none' },
      { id: 'a', n: 7, twice: 14, maybe: null, note: 'none' },
      { id: 'b', n: 3, twice: 6, maybe: null, note: 'none' },
      { id: 'c', n: 7, twice: 14, maybe: null, note: 'kept' },
      { id: 'd', n: 7, twice: 14, maybe: null, note: 'none' },
    ])
    // A misspelt column is still refused when it holds a value; checked by name even when empty.
    await expect(chInsert(ch, { table: 'defs', rows: [{ id: 'e', nn: 1 }] })).rejects.toBeInstanceOf(ClickHouseQueryError)
    await expect(chInsert(ch, { table: 'defs', rows: [{ id: 'e', 'n; DROP': null }] })).rejects.toThrow(/Invalid column name/)
  })

  it('rejects unsafe tokens and table names before reaching the engine, and unknown columns', async () => {
    await expect(chInsert(ch, { table: 'ev', rows: [{ id: 'x' }], dedupToken: "x' , max_threads=1" })).rejects.toThrow(
      /Invalid dedup token/,
    )
    await expect(chInsert(ch, { table: 'ev; DROP TABLE x', rows: [{ id: 'x' }] })).rejects.toThrow(/Invalid table name/)
    await expect(
      chInsert(ch, { table: 'ev', rows: [{ id: 'x', at: '2025-01-06T10:00:00Z', n: 1, typo_column: 1 }] }),
    ).rejects.toBeInstanceOf(ClickHouseQueryError)
  })
})
