import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { promisify } from 'node:util'
import pg from 'pg'
import { createDb, type Db } from './client'

/** Helpers for integration tests against real engines (see TESTING.md). Not for production code. */

const LOCAL = { host: '127.0.0.1', port: 5432, user: 'postgres' }

export type TestEngine = 'pglite' | 'postgres'
export const TEST_ENGINES: TestEngine[] = ['pglite', 'postgres']

/** A new, empty database on the local PostgreSQL; `drop()` removes it even if connections remain. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  await ensureLocalPostgres()
  const name = `lt_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
  await asAdmin((c) => c.query(`CREATE DATABASE "${name}"`))
  return {
    url: `postgresql://${LOCAL.user}@${LOCAL.host}:${LOCAL.port}/${name}`,
    drop: () => asAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  }
}

/** An in-memory PGlite Db with every migration applied. */
export async function freshPgliteDb(): Promise<Db> {
  const db = await createDb({ dataDir: '.', inMemory: true })
  return migrated(db)
}

/** A migrated Db on either engine; on `postgres`, `close()` also drops its database. */
export async function freshDb(engine: TestEngine): Promise<Db> {
  if (engine === 'pglite') return freshPgliteDb()
  const database = await freshPostgresDatabase()
  const db = await createDb({ databaseUrl: database.url, dataDir: '.' })
  const close = db.close
  return migrated({
    ...db,
    close: async () => {
      await close()
      await database.drop()
    },
  })
}

async function migrated(db: Db): Promise<Db> {
  try {
    await db.migrate()
    return db
  } catch (error) {
    await db.close()
    throw error
  }
}

async function asAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...LOCAL, database: 'postgres' })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

let started: Promise<void> | undefined

/** The machine's PostgreSQL may be stopped (ENVIRONMENT.md): start it once, then wait for it. */
function ensureLocalPostgres(): Promise<void> {
  return (started ??= (async () => {
    if (await canConnect()) return
    const versions = await readdir('/etc/postgresql').catch(() => [] as string[])
    for (const version of versions) {
      await promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']).catch(
        () => undefined,
      )
    }
    const deadline = Date.now() + 30_000
    while (!(await canConnect())) {
      if (Date.now() > deadline)
        throw new Error(`PostgreSQL is not reachable on ${LOCAL.host}:${LOCAL.port} as ${LOCAL.user}, even after pg_ctlcluster start`)
      await new Promise((r) => setTimeout(r, 250))
    }
  })())
}

async function canConnect(): Promise<boolean> {
  return asAdmin(async () => true).catch(() => false)
}
