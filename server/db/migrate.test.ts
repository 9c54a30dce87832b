import { createHash } from 'node:crypto'
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { afterAll, describe, expect, test } from 'vitest'
import { createDb } from './client'
import { migratePostgres } from './migrate'
import { pgExecutor, pgliteExecutor, type SqlExecutor } from './sql-executor'
import { freshPostgresDatabase, TEST_ENGINES, type TestEngine } from './testing'

const REPO_MIGRATIONS = path.join(process.cwd(), 'prisma', 'migrations')

interface Session {
  sql: SqlExecutor
  url?: string
  close(): Promise<void>
}

async function freshSession(engine: TestEngine): Promise<Session> {
  if (engine === 'pglite') {
    const db = new PGlite()
    await db.waitReady
    return { sql: pgliteExecutor(db), close: () => db.close() }
  }
  const database = await freshPostgresDatabase()
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  return {
    sql: pgExecutor(client),
    url: database.url,
    close: async () => {
      await client.end()
      await database.drop()
    },
  }
}

const tempDirs: string[] = []
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

/**
 * A copy of the repository's migrations plus extra folders: name → migration.sql. Extra folders are
 * named 9999…: they must sort after every real migration, whatever later branches add.
 */
async function migrationsDir(extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lt-migrations-'))
  tempDirs.push(dir)
  await cp(REPO_MIGRATIONS, dir, { recursive: true })
  for (const [name, sql] of Object.entries(extra)) await addMigration(dir, name, sql)
  return dir
}

async function addMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name))
  await writeFile(path.join(dir, name, 'migration.sql'), sql)
}

async function repoMigrationNames(): Promise<string[]> {
  const entries = await readdir(REPO_MIGRATIONS, { withFileTypes: true })
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort()
}

async function tableExists(sql: SqlExecutor, name: string): Promise<boolean> {
  const [row] = await sql.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [name])
  return row?.found != null
}

interface MigrationRow {
  id: string
  checksum: string
  migration_name: string
  finished_at: Date | null
  rolled_back_at: Date | null
  started_at: Date
  logs: string | null
  applied_steps_count: number
}

const rowsOf = (sql: SqlExecutor) =>
  sql.query<MigrationRow>('SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name')

describe.each(TEST_ENGINES)('migratePostgres on %s', (engine) => {
  test('applies every migration once and records it the way Prisma Migrate does', async () => {
    const session = await freshSession(engine)
    try {
      const names = await repoMigrationNames()
      expect(names).toContain('20261122000000_init')
      expect(await migratePostgres(session.sql)).toEqual({ applied: names })
      expect(await migratePostgres(session.sql)).toEqual({ applied: [] })

      const rows = await rowsOf(session.sql)
      expect(rows.map((r) => r.migration_name)).toEqual(names)
      for (const row of rows) {
        const bytes = await readFile(path.join(REPO_MIGRATIONS, row.migration_name, 'migration.sql'))
        expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
        expect(row.checksum).toHaveLength(64)
        expect(row.checksum).toBe(createHash('sha256').update(bytes).digest('hex'))
        expect(row.finished_at).toBeInstanceOf(Date)
        expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime())
        expect(row).toMatchObject({ rolled_back_at: null, logs: null, applied_steps_count: 1 })
      }

      const columns = await session.sql.query(
        `SELECT column_name, data_type, character_maximum_length AS length, is_nullable, column_default
           FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
      )
      expect(columns).toEqual([
        { column_name: 'id', data_type: 'character varying', length: 36, is_nullable: 'NO', column_default: null },
        { column_name: 'checksum', data_type: 'character varying', length: 64, is_nullable: 'NO', column_default: null },
        { column_name: 'finished_at', data_type: 'timestamp with time zone', length: null, is_nullable: 'YES', column_default: null },
        { column_name: 'migration_name', data_type: 'character varying', length: 255, is_nullable: 'NO', column_default: null },
        { column_name: 'logs', data_type: 'text', length: null, is_nullable: 'YES', column_default: null },
        { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', length: null, is_nullable: 'YES', column_default: null },
        { column_name: 'started_at', data_type: 'timestamp with time zone', length: null, is_nullable: 'NO', column_default: 'now()' },
        { column_name: 'applied_steps_count', data_type: 'integer', length: null, is_nullable: 'NO', column_default: '0' },
      ])
    } finally {
      await session.close()
    }
  })

  test('applies only pending folders, in name order', async () => {
    const session = await freshSession(engine)
    try {
      const dir = await migrationsDir()
      await migratePostgres(session.sql, { dir })
      await addMigration(dir, '99990102000000_second', 'ALTER TABLE order_probe ADD COLUMN b INTEGER;')
      await addMigration(dir, '99990101000000_first', 'CREATE TABLE order_probe (a INTEGER);')
      await writeFile(path.join(dir, 'README.md'), 'files beside the folders are ignored')
      expect(await migratePostgres(session.sql, { dir })).toEqual({
        applied: ['99990101000000_first', '99990102000000_second'],
      })
      expect(await tableExists(session.sql, 'order_probe')).toBe(true)
    } finally {
      await session.close()
    }
  })

  test('reports an applied migration whose file changed afterwards', async () => {
    const session = await freshSession(engine)
    try {
      const dir = await migrationsDir({ '99990101000000_probe': 'CREATE TABLE tamper_probe (a INTEGER);\n' })
      await migratePostgres(session.sql, { dir })
      await appendFile(path.join(dir, '99990101000000_probe', 'migration.sql'), 'ALTER TABLE tamper_probe ADD COLUMN b TEXT;\n')
      await addMigration(dir, '99990102000000_later', 'CREATE TABLE later_probe (a INTEGER);')
      await expect(migratePostgres(session.sql, { dir })).rejects.toThrow(
        /Applied migrations were modified[\s\S]*"99990101000000_probe"/,
      )
      expect(await tableExists(session.sql, 'later_probe')).toBe(false)
    } finally {
      await session.close()
    }
  })

  test('a failing migration is rolled back, recorded, and blocks later runs until resolved', async () => {
    const session = await freshSession(engine)
    try {
      const broken = '99990101000000_broken'
      const dir = await migrationsDir({ [broken]: 'CREATE TABLE half_done (a INTEGER);\nSELECT 1 / 0;\n' })
      await expect(migratePostgres(session.sql, { dir })).rejects.toThrow(
        new RegExp(`Migration "${broken}" failed.*division by zero`),
      )
      expect(await tableExists(session.sql, 'half_done')).toBe(false)
      const failed = (await rowsOf(session.sql)).find((r) => r.migration_name === broken)
      expect(failed).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 })
      expect(failed?.logs).toContain('division by zero')

      await writeFile(path.join(dir, broken, 'migration.sql'), 'CREATE TABLE half_done (a INTEGER);\n')
      await expect(migratePostgres(session.sql, { dir })).rejects.toThrow(
        new RegExp(`failed migrations[\\s\\S]*"${broken}": .*division by zero`),
      )

      // What `prisma migrate resolve --rolled-back` does.
      await session.sql.query(
        'UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL',
        [broken],
      )
      expect(await migratePostgres(session.sql, { dir })).toEqual({ applied: [broken] })
      expect(await tableExists(session.sql, 'half_done')).toBe(true)
      const history = (await rowsOf(session.sql)).filter((r) => r.migration_name === broken)
      expect(history.map((r) => [r.rolled_back_at !== null, r.finished_at !== null])).toEqual([
        [true, false],
        [false, true],
      ])
    } finally {
      await session.close()
    }
  })

  test('a missing migration.sql is a clear error', async () => {
    const session = await freshSession(engine)
    try {
      const dir = await migrationsDir()
      await mkdir(path.join(dir, '99990101000000_empty'))
      await expect(migratePostgres(session.sql, { dir })).rejects.toThrow(/99990101000000_empty has no migration\.sql/)
    } finally {
      await session.close()
    }
  })
})

describe('serialising runners', () => {
  test('on a server, concurrent runners and Prisma Migrate take turns through the advisory lock', async () => {
    const database = await freshPostgresDatabase()
    const clients = [1, 2, 3].map(() => new pg.Client({ connectionString: database.url }))
    try {
      await Promise.all(clients.map((c) => c.connect()))
      const [holder, a, b] = clients as [pg.Client, pg.Client, pg.Client]
      const dir = await migrationsDir({ '99990101000000_slow': 'SELECT pg_sleep(0.3);' })

      // Stand-in for a `prisma migrate deploy` in progress: it holds the same lock.
      await holder.query('SELECT pg_advisory_lock(72707369)')
      const runs = Promise.all([migratePostgres(pgExecutor(a), { dir }), migratePostgres(pgExecutor(b), { dir })])
      runs.catch(() => undefined) // awaited below; keeps an early failure from going unhandled
      await waitFor(async () => {
        const { rows } = await holder.query(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 72707369 AND NOT granted`,
        )
        return rows[0].n === 2
      }, 'both runners waiting for advisory lock 72707369')
      const { rows: before } = await holder.query(`SELECT to_regclass('_prisma_migrations') AS t`)
      expect(before[0].t).toBeNull()
      await holder.query('SELECT pg_advisory_unlock(72707369)')

      const results = await runs
      const all = [...(await repoMigrationNames()), '99990101000000_slow']
      expect(results.map((r) => r.applied).sort((x, y) => y.length - x.length)).toEqual([all, []])
      const { rows } = await holder.query('SELECT migration_name FROM _prisma_migrations')
      expect(rows).toHaveLength(all.length)
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)))
      await database.drop()
    }
  })

  test('an embedded Db applies concurrent migrate() calls one after the other', async () => {
    const db = await createDb({ dataDir: '.', inMemory: true })
    try {
      const results = await Promise.all([db.migrate(), db.migrate()])
      expect(results).toEqual([{ applied: await repoMigrationNames() }, { applied: [] }])
    } finally {
      await db.close()
    }
  })
})

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
