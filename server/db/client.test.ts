import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterEach, describe, expect, test } from 'vitest'
import { closeDb, createDb, getDb } from './client'
import { freshPostgresDatabase } from './testing'

const tempDirs: string[] = []
afterEach(async () => {
  await closeDb()
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lt-db-'))
  tempDirs.push(dir)
  return dir
}

describe('createDb', () => {
  test('embedded: data persists under <dataDir>/postgres across restarts', async () => {
    const dataDir = path.join(await tempDir(), 'nested', 'data')
    const first = await createDb({ dataDir })
    expect(first.mode).toBe('embedded')
    expect((await first.migrate()).applied.length).toBeGreaterThan(0)
    await first.prisma.plant.create({ data: { code: 'PERSIST', name: 'Kept', timeZone: 'UTC', shiftCalendar: [] } })
    await first.close()
    await first.close() // idempotent
    expect(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true)

    const second = await createDb({ dataDir })
    try {
      expect(await second.migrate()).toEqual({ applied: [] })
      expect((await second.prisma.plant.findUnique({ where: { code: 'PERSIST' } }))?.name).toBe('Kept')
    } finally {
      await second.close()
    }
  })

  test('server: uses the URL, migrates over its own session and leaves no connection open after close()', async () => {
    const database = await freshPostgresDatabase()
    const name = new URL(database.url).pathname.slice(1)
    const admin = new pg.Client({ connectionString: database.url.replace(`/${name}`, '/postgres') })
    try {
      const db = await createDb({ databaseUrl: database.url, dataDir: await tempDir() })
      expect(db.mode).toBe('server')
      expect((await db.migrate()).applied.length).toBeGreaterThan(0)
      expect(await db.prisma.plant.count()).toBe(0)
      await db.close()
      await admin.connect()
      const { rows } = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name])
      expect(rows[0].n).toBe(0)
    } finally {
      await admin.end().catch(() => undefined)
      await database.drop()
    }
  })
})

describe('getDb', () => {
  test('one Db per process, kept on globalThis; other options are refused until closeDb()', async () => {
    const dataDir = await tempDir()
    const [a, b] = await Promise.all([getDb({ dataDir, inMemory: true }), getDb({ dataDir, inMemory: true })])
    expect(a).toBe(b)
    const holder = globalThis as unknown as Record<symbol, { db: Promise<unknown> } | undefined>
    expect(await holder[Symbol.for('linetrace.db')]?.db).toBe(a)
    expect(() => getDb({ dataDir: path.join(dataDir, 'other'), inMemory: true })).toThrow(/closeDb/)

    await closeDb()
    expect(holder[Symbol.for('linetrace.db')]).toBeUndefined()
    const c = await getDb({ dataDir: path.join(dataDir, 'other'), inMemory: true })
    expect(c).not.toBe(a)
  })
})
