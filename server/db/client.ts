import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { PrismaClient } from './generated/client'
import { migratePostgres } from './migrate'
import { pgExecutor, pgliteExecutor } from './sql-executor'

// The client class, the `Prisma` namespace (errors, input types), model types and enums.
export * from './generated/client'
export { isForeignKeyViolation, isUniqueViolation } from './errors'

export interface CreateDbOptions {
  /** A postgres:// URL selects a server; without it Postgres runs embedded (PGlite). */
  databaseUrl?: string
  /** Embedded data lives in `<dataDir>/postgres`. */
  dataDir: string
  /** Embedded only: keep nothing on disk (tests). */
  inMemory?: boolean
  /** Defaults to `<cwd>/prisma/migrations`. */
  migrationsDir?: string
}

export interface Db {
  prisma: PrismaClient
  mode: 'embedded' | 'server'
  /** Applies pending SQL migrations; safe to call again. */
  migrate(): Promise<{ applied: string[] }>
  close(): Promise<void>
}

export async function createDb(opts: CreateDbOptions): Promise<Db> {
  return opts.databaseUrl ? createServerDb(opts.databaseUrl, opts.migrationsDir) : createEmbeddedDb(opts)
}

function createServerDb(url: string, migrationsDir: string | undefined): Db {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) })
  return {
    prisma,
    mode: 'server',
    async migrate() {
      // Its own session: the advisory lock and the DDL must not share a pooled connection.
      const client = new pg.Client({ connectionString: url })
      // A dropped connection also fails the pending query; without a listener it would crash the process.
      client.on('error', () => undefined)
      await client.connect()
      try {
        return await migratePostgres(pgExecutor(client), { dir: migrationsDir })
      } finally {
        await client.end()
      }
    },
    close: once(() => prisma.$disconnect()),
  }
}

async function createEmbeddedDb(opts: CreateDbOptions): Promise<Db> {
  // Loaded on demand: a server deployment never needs the WASM build.
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('pglite-prisma-adapter'),
  ])
  let pglite: PGlite
  if (opts.inMemory) {
    pglite = new PGlite()
  } else {
    const dir = path.join(opts.dataDir, 'postgres')
    await mkdir(dir, { recursive: true })
    pglite = new PGlite(dir)
  }
  await pglite.waitReady
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) })
  // PGlite is a single session, so the advisory lock cannot keep two callers in this process apart.
  let queue: Promise<unknown> = Promise.resolve()
  return {
    prisma,
    mode: 'embedded',
    migrate() {
      const run = queue.then(() => migratePostgres(pgliteExecutor(pglite), { dir: opts.migrationsDir }))
      queue = run.catch(() => undefined)
      return run
    },
    close: once(async () => {
      await prisma.$disconnect()
      await pglite.close()
    }),
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined
  return () => (done ??= fn())
}

const KEY = Symbol.for('linetrace.db')
type Holder = Record<symbol, { key: string; db: Promise<Db> } | undefined>

/**
 * The process's one Db, kept on globalThis: Next.js bundles route handlers apart from the start
 * script, so each bundle has its own module state, and PGlite allows one owner per data directory.
 */
export function getDb(opts: CreateDbOptions): Promise<Db> {
  const holder = globalThis as unknown as Holder
  const key = JSON.stringify([opts.databaseUrl ?? null, path.resolve(opts.dataDir), !!opts.inMemory])
  const current = holder[KEY]
  if (current) {
    if (current.key !== key) throw new Error('getDb: this process already has a Db with other options; call closeDb() first')
    return current.db
  }
  const db = createDb(opts).catch((error: unknown) => {
    holder[KEY] = undefined
    throw error
  })
  holder[KEY] = { key, db }
  return db
}

export async function closeDb(): Promise<void> {
  const holder = globalThis as unknown as Holder
  const current = holder[KEY]
  holder[KEY] = undefined
  const db = await current?.db.catch(() => undefined)
  await db?.close()
}
