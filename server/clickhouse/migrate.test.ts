import { createHash } from 'node:crypto'
import { appendFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertDatabaseName, type ClickHouse } from './client'
import { chInsert, chQuery } from './exec'
import {
  defaultMigrationsDir,
  loadMigrations,
  migrateClickHouse,
  MigrationChecksumError,
  renderMigration,
  splitStatements,
} from './migrate'
import { openTestClickHouse, withDatabase } from './testing'

const CONTRACT_TABLES = ['hop_events', 'hop_payloads', 'txn_keys', 'txn_summary', 'flow_kpi_counts_1m', 'flow_kpi_counts_1h', 'e2e_kpi_1h']

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
const scratch: string[] = []

beforeAll(() => {
  engine = openTestClickHouse('migrate')
  ch = engine.ch
})

afterAll(async () => {
  await engine.dispose()
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
})

interface TableRow {
  name: string
  engine: string
  create_table_query: string
  sorting_key: string
  partition_key: string
}

async function tables(db: ClickHouse): Promise<TableRow[]> {
  const { rows } = await chQuery<TableRow>(db, {
    name: 'test.tables',
    sql: `SELECT name, engine, create_table_query, sorting_key, partition_key
          FROM system.tables WHERE database = {db:String} ORDER BY name`,
    params: { db: db.database },
  })
  return rows
}

async function ledger(db: ClickHouse) {
  const { rows } = await chQuery<{ version: number; name: string; checksum: string; applied_at: string }>(db, {
    name: 'test.ledger',
    sql: `SELECT version, name, checksum, applied_at FROM ${db.database}.schema_migrations ORDER BY version, applied_at`,
  })
  return rows
}

describe('migrateClickHouse', () => {
  it('applies every migration, in order, on an empty engine', async () => {
    const files = loadMigrations()
    expect(files.map((f) => f.name)).toEqual([...files.map((f) => f.name)].sort())
    expect(files.length).toBeGreaterThanOrEqual(2)

    const { applied } = await migrateClickHouse(ch)
    expect(applied).toEqual(files.map((f) => f.name))

    const rows = await ledger(ch)
    expect(rows.map((r) => [r.version, r.name, r.checksum])).toEqual(files.map((f) => [f.version, f.name, f.checksum]))
    for (const f of files) {
      const onDisk = readFileSync(path.join(defaultMigrationsDir(), `${f.name}.sql`), 'utf8')
      expect(f.checksum).toBe(createHash('sha256').update(onDisk).digest('hex'))
    }
  })

  it('creates all seven contract tables with the documented engines and keys', async () => {
    const byName = new Map((await tables(ch)).map((t) => [t.name, t]))
    for (const name of CONTRACT_TABLES) expect(byName.has(name), `table ${name} exists`).toBe(true)
    expect(byName.get('hop_events')).toMatchObject({
      engine: 'ReplacingMergeTree',
      sorting_key: 'correlation_id, event_id',
      partition_key: 'toMonday(origin_time)',
    })
    expect(byName.get('hop_events')!.create_table_query).toMatch(/index_granularity = 2048/)
    expect(byName.get('hop_events')!.create_table_query).toMatch(/ttl_only_drop_parts = 1/)
    expect(byName.get('txn_summary')).toMatchObject({
      engine: 'AggregatingMergeTree',
      sorting_key: 'plant, flow, origin_time, correlation_id',
    })
    expect(byName.get('txn_keys')!.sorting_key).toBe('key_type, key_value, origin_time, correlation_id')
    expect(byName.get('e2e_kpi_1h')!.sorting_key).toBe('plant, flow, origin_hour, correlation_id')
    for (const mv of ['txn_keys_mv', 'txn_summary_mv', 'flow_kpi_counts_1m_mv', 'flow_kpi_counts_1h_mv', 'e2e_kpi_1h_mv']) {
      expect(byName.get(mv)?.engine, `view ${mv}`).toBe('MaterializedView')
    }
  })

  it('keeps the parts inserts write Compact past the engine default of 10 MiB (0016)', async () => {
    // 12 MiB of payloads in one insert: a Wide part without 0016, one data file with it.
    const rows = Array.from({ length: 12 }, (_, i) => ({ correlation_id: 'c-wide', event_id: `e-${i}`, origin_time: '2026-12-07T10:00:00.000Z', payload: 'x'.repeat(1 << 20) }))
    await chInsert(ch, { table: 'hop_payloads', rows })
    const { rows: parts } = await chQuery<{ part_type: string; bytes: number }>(ch, {
      name: 'test.parts',
      sql: `SELECT part_type, data_uncompressed_bytes AS bytes FROM system.parts WHERE database = {db:String} AND table = 'hop_payloads' AND active`,
      params: { db: ch.database },
    })
    expect(parts).toHaveLength(1)
    expect(parts[0]!.bytes).toBeGreaterThan(10 * 2 ** 20)
    expect(parts[0]!.part_type).toBe('Compact')
    expect((await tables(ch)).find((t) => t.name === 'hop_events')!.create_table_query).toMatch(/min_bytes_for_wide_part = 268435456/)
  })

  it('running again applies nothing and changes nothing', async () => {
    const before = { tables: await tables(ch), ledger: await ledger(ch) }
    const { applied } = await migrateClickHouse(ch)
    expect(applied).toEqual([])
    expect({ tables: await tables(ch), ledger: await ledger(ch) }).toEqual(before)
  })

  it('uses the configured database name everywhere and nothing else', async () => {
    const other = withDatabase(ch, 'lt_other_db')
    await migrateClickHouse(other)
    const names = (await tables(other)).map((t) => t.name)
    for (const name of CONTRACT_TABLES) expect(names).toContain(name)
    // Views read from and write to their own database, not the default one.
    const mv = (await tables(other)).find((t) => t.name === 'txn_keys_mv')!
    expect(mv.create_table_query).toContain('TO lt_other_db.txn_keys')
    expect(mv.create_table_query).toContain('FROM lt_other_db.hop_events')
    expect(mv.create_table_query).not.toMatch(/\blinetrace\./)
  })

  it('reports an applied migration whose file changed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lt-migrations-'))
    scratch.push(dir)
    cpSync(defaultMigrationsDir(), dir, { recursive: true })
    const db = withDatabase(ch, 'lt_tamper')
    await migrateClickHouse(db, { dir })

    const first = readdirSync(dir).sort()[0]!
    appendFileSync(path.join(dir, first), '\n-- edited after it was applied\n')
    const run = migrateClickHouse(db, { dir })
    await expect(run).rejects.toBeInstanceOf(MigrationChecksumError)
    await expect(migrateClickHouse(db, { dir })).rejects.toThrow(first.replace('.sql', ''))
  })

  it('refuses database names that are not plain identifiers', async () => {
    for (const bad of ['', 'lt-x', 'x; DROP DATABASE y', '1abc', 'a.b', '`x`']) {
      expect(() => assertDatabaseName(bad), bad).toThrow(/Invalid ClickHouse database name/)
    }
    await expect(migrateClickHouse(withDatabase(ch, 'x;y'))).rejects.toThrow(/Invalid ClickHouse database name/)
    expect(() => renderMigration('CREATE TABLE {{database}}.t {{other}}', 'db')).toThrow(/Unknown placeholder/)
  })

  it('splits statements on semicolons outside comments and quotes', () => {
    const sql = `-- a; comment\nCREATE TABLE a (x String DEFAULT ';') ENGINE = Memory;\n/* b; */ SELECT 'it''s; \\' ok';\n\n-- trailing;\n`
    expect(splitStatements(sql)).toEqual([
      "CREATE TABLE a (x String DEFAULT ';') ENGINE = Memory",
      "SELECT 'it''s; \\' ok'",
    ])
  })
})
