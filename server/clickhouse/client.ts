import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { createClient, type ClickHouseClient, type Logger as ClientLogger } from '@clickhouse/client'
import type { ChdbExtension } from 'chdb/connection'
import type { Config } from '../config'
import { logger } from '../logger'
import { clearSpool } from './insert-formats'
import { EngineTurns } from './turns'

/**
 * One ClickHouse handle per process: the same `@clickhouse/client` API either talks HTTP to a
 * server (`url`) or runs in-process on chDB (no `url`). Everything above this file is mode-blind,
 * except that the exec seam (exec.ts) must never pass `clickhouse_settings` in embedded mode —
 * chDB turns them into session-wide `SET`s that leak into every later query (see exec.ts).
 */
export interface ClickHouse {
  client: ClickHouseClient
  mode: 'embedded' | 'server'
  /** Database every table name is qualified with (`<database>.hop_events`). */
  database: string
  /** Embedded only: chDB's raw escape hatch (raw queries, raw inserts, session path). */
  chdb?: ChdbExtension
  /** Embedded only: the engine runs one statement at a time, so the exec seam takes turns (turns.ts). */
  turns?: EngineTurns
  /** Embedded only: where an insert's Native block waits for the engine to read it (insert-formats.ts). */
  spoolDir?: string
  /**
   * Settles when the engine runs no operation of this process (a server: at once). chDB keeps
   * computing an operation whose call was abandoned, and a process exiting under a running one
   * crashes in the engine (SIGSEGV): an exit that cannot wait for close() waits for this.
   */
  idle(): Promise<void>
  close(): Promise<void>
}

export interface ClickHouseOptions {
  /** http(s) URL of a ClickHouse server; without it chDB runs in-process. */
  url?: string
  user?: string
  password?: string
  /** Plain identifier; see DEFAULT_DATABASE. */
  database: string
  /** Root data directory; chDB keeps its files in `<dataDir>/clickhouse`. */
  dataDir: string
}

export const DEFAULT_DATABASE = 'linetrace'

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Database names end up inside SQL text (`CREATE DATABASE x`), so only plain identifiers pass. */
export function assertDatabaseName(name: string): string {
  if (!PLAIN_IDENTIFIER.test(name) || name.length > 64) {
    throw new Error(
      `Invalid ClickHouse database name ${JSON.stringify(name)}: use letters, digits and underscore, starting with a letter or underscore`,
    )
  }
  return name
}

/**
 * chDB is loaded only when embedded mode is chosen: importing it dlopens a ~540 MB engine, which
 * a server deployment must not pay for. Resolved from the repo root (the app always runs there),
 * which works the same from tsx, vitest and a Next.js server bundle (chdb is a
 * serverExternalPackage, so it is never bundled).
 */
function loadChdb(): { connection: typeof import('chdb/connection'); root: typeof import('chdb') } {
  const req = createRequire(path.join(process.cwd(), 'package.json'))
  return { connection: req('chdb/connection'), root: req('chdb') }
}

const clientLog = logger.child({ module: '@clickhouse/client' })

/**
 * The client's own log lines go to pino instead of the console. Its request errors drop to debug:
 * the exec seam already logs each failure once, named after the query.
 */
class PinoClientLogger implements ClientLogger {
  trace(p: { message: string; args?: object }) {
    clientLog.trace(p.args ?? {}, p.message)
  }
  debug(p: { message: string; args?: object }) {
    clientLog.debug(p.args ?? {}, p.message)
  }
  info(p: { message: string; args?: object }) {
    clientLog.info(p.args ?? {}, p.message)
  }
  warn(p: { message: string; args?: object; err?: Error }) {
    clientLog.warn({ ...p.args, err: p.err }, p.message)
  }
  error(p: { message: string; args?: object; err: Error }) {
    clientLog.debug({ ...p.args, err: p.err }, p.message)
  }
}

/** The ClickHouse settings of a process's configuration (server when CLICKHOUSE_URL is set, else chDB under dataDir). */
export function clickHouseOptions(config: Config, dataDir = config.env.DATA_DIR): ClickHouseOptions {
  const { CLICKHOUSE_URL: url, CLICKHOUSE_USER: user, CLICKHOUSE_PASSWORD: password, CLICKHOUSE_DATABASE: database } = config.env
  return { url, user, password, database, dataDir }
}

export function createClickHouse(opts: ClickHouseOptions): ClickHouse {
  const database = assertDatabaseName(opts.database || DEFAULT_DATABASE)

  if (opts.url) {
    const client = createClient({
      url: opts.url,
      username: opts.user ?? 'default',
      password: opts.password ?? '',
      // No `database` here on purpose: the migrations create it, so the client has to work before
      // it exists. Every statement qualifies table names with `ch.database` instead.
      application: 'linetrace',
      log: { LoggerClass: PinoClientLogger },
      // Server-side max_execution_time (10 s by default, see exec.ts) ends heavy queries first;
      // this only catches a hung connection.
      request_timeout: 60_000,
      max_open_connections: 10,
      compression: { response: true, request: false },
    })
    return { client, mode: 'server', database, idle: async () => undefined, close: () => client.close() }
  }

  // chDB 3.4 takes bytes already waiting on a non-terminal stdin as the data of the next insert
  // (the insert fails to parse them, or would store them): a process running chDB is never sent
  // anything on stdin. The bench children are driven over IPC for that reason; `npm start` reads
  // nothing from it.
  const dir = path.resolve(opts.dataDir, 'clickhouse')
  mkdirSync(dir, { recursive: true })
  // One process per data directory (chDB's rule), so whatever is in the spool was left by one
  // that stopped mid-insert.
  const spoolDir = path.resolve(opts.dataDir, 'clickhouse-spool')
  clearSpool(spoolDir)
  mkdirSync(spoolDir, { recursive: true })
  const chdb = loadChdb()
  const connection = chdb.connection.createChdbConnection({ path: dir })
  const idle = () => chdb.root.drainPending()
  // chdb types its connection against @clickhouse/client-common 1.23.0, while @clickhouse/client
  // 1.23.1 carries its own copy of those types (they differ only in the settings list): same
  // runtime contract, so the cast is safe.
  type ClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection']
  const client = createClient({ connection: connection as unknown as ClientConnection, log: { LoggerClass: PinoClientLogger } })
  return {
    client,
    mode: 'embedded',
    database,
    chdb: connection.chdb,
    turns: new EngineTurns(),
    spoolDir,
    idle,
    async close() {
      await client.close()
      // close() can return while chDB still finishes an aborted query; wait until the engine is
      // really free so a later open (tests, restarts in-process) does not abort it.
      await idle()
    },
  }
}

/**
 * Per-process singleton kept on globalThis: Next.js bundles route handlers separately from the
 * start script, so a module-level variable would exist once per bundle — and chDB allows one
 * data directory per process, so a second handle would be refused or, worse, abort the engine.
 */
const KEY = Symbol.for('linetrace.clickhouse')

interface Slot {
  ch: ClickHouse
  fingerprint: string
}

function slots(): Record<symbol, Slot | undefined> {
  return globalThis as unknown as Record<symbol, Slot | undefined>
}

/** Identity of a store for the singleton check; never carries credentials (it ends up in errors). */
function fingerprintOf(opts: ClickHouseOptions): string {
  const where = opts.url ? `server:${withoutCredentials(opts.url)}:${opts.user ?? 'default'}` : `embedded:${path.resolve(opts.dataDir)}`
  return `${where}:${opts.database || DEFAULT_DATABASE}`
}

function withoutCredentials(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    return u.toString()
  } catch {
    return '(invalid url)'
  }
}

export function getClickHouse(opts: ClickHouseOptions): ClickHouse {
  const g = slots()
  const fingerprint = fingerprintOf(opts)
  const existing = g[KEY]
  if (existing) {
    if (existing.fingerprint !== fingerprint) {
      // Silently returning the other store would send data to the wrong place.
      throw new Error(
        `ClickHouse is already open in this process as ${existing.fingerprint}; refusing to open ${fingerprint} as well`,
      )
    }
    return existing.ch
  }
  const ch = createClickHouse(opts)
  g[KEY] = { ch, fingerprint }
  return ch
}

export async function closeClickHouse(): Promise<void> {
  const g = slots()
  const existing = g[KEY]
  if (!existing) return
  g[KEY] = undefined
  await existing.ch.close()
}
