import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { createAuth, type Auth } from './auth/auth'
import { clickHouseOptions, createClickHouse, type ClickHouse } from './clickhouse/client'
import { migrateClickHouse } from './clickhouse/migrate'
import { loadConfig, type Config, type ProcessRole } from './config'
import { createDb, type Db } from './db/client'
import { embeddedAdminToken, embeddedAuthSecret } from './embedded-secrets'
import { logger } from './logger'

/**
 * The process-wide stores and services. Kept on globalThis: the start script and the Next.js route
 * bundles are separate module graphs in one process, and chDB and PGlite allow one owner per data
 * directory, so there must be exactly one of each per process.
 */
export interface Runtime {
  config: Config
  clickhouse: ClickHouse
  db: Db
  auth: Auth
  startedAt: Date
}

const KEY = Symbol.for('linetrace.runtime')
type Holder = Record<symbol, Promise<Runtime> | undefined>

export async function createRuntime(given: Config): Promise<Runtime> {
  const dataDir = resolve(given.env.DATA_DIR)
  mkdirSync(dataDir, { recursive: true })
  // The demo's bootstrap token is this install's own, never a published one.
  const config: Config = given.demo && !given.adminApiToken ? { ...given, adminApiToken: embeddedAdminToken(dataDir) } : given
  const clickhouse = createClickHouse(clickHouseOptions(config, dataDir))
  const db = await createDb({ databaseUrl: config.env.DATABASE_URL, dataDir })
  try {
    const ch = await migrateClickHouse(clickhouse)
    const pg = await db.migrate()
    if (ch.applied.length || pg.applied.length)
      logger.info({ clickhouse: ch.applied, postgres: pg.applied }, 'migrations applied')
  } catch (error) {
    await Promise.allSettled([db.close(), clickhouse.close()])
    throw error
  }
  const secret = config.env.AUTH_SECRET ?? embeddedAuthSecret(dataDir)
  return { config, clickhouse, db, auth: createAuth(db.prisma, { secret, publicUrl: config.publicUrl }), startedAt: new Date() }
}

/** Installs an already created runtime (the start script does this before serving). */
export function installRuntime(runtime: Runtime): void {
  ;(globalThis as unknown as Holder)[KEY] = Promise.resolve(runtime)
}

/** The runtime of this process, created on first use (e.g. under `next dev`). */
export function getRuntime(): Promise<Runtime> {
  const holder = globalThis as unknown as Holder
  if (!holder[KEY]) {
    const role = (process.env.LINETRACE_ROLE as ProcessRole | undefined) ?? 'all'
    holder[KEY] = createRuntime(loadConfig(process.env, role)).catch((error: unknown) => {
      holder[KEY] = undefined
      throw error
    })
  }
  return holder[KEY]
}

export async function closeRuntime(): Promise<void> {
  const holder = globalThis as unknown as Holder
  const pending = holder[KEY]
  holder[KEY] = undefined
  if (!pending) return
  const runtime = await pending.catch(() => null)
  if (!runtime) return
  await Promise.allSettled([runtime.db.close(), runtime.clickhouse.close()])
}
