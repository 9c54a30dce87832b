import { unlinkSync } from 'node:fs'
import { Readable } from 'node:stream'
import { logger } from '../logger'
import { metrics } from '../metrics'
import type { ClickHouse } from './client'
import type { TurnKind } from './turns'
import { toChDateTime } from '../domain/ch-time'
import { compactRows, declaredColumns, spoolNative } from './insert-formats'
import { IDENTIFIER, type DeclaredColumn } from './native'

/**
 * THE exec seam: every ClickHouse statement of the app goes through chQuery / chCommand /
 * chInsert. Rules it enforces (CLICKHOUSE.md "Reading"):
 * - values only as `{name:Type}` query parameters, never spliced into SQL text;
 * - identifiers (sort columns …) only through `identifier()` whitelists;
 * - every query carries `max_execution_time` and a `log_comment` naming query, route and user;
 * - rows/bytes read and duration go to metrics and a debug log line;
 * - timeout / memory / too-many-rows errors become QueryTooHeavyError ("narrow the time range").
 * - on chDB each statement waits for its turn at the engine, reads before writes (turns.ts).
 *
 * Settings are appended as a `SETTINGS` clause in the SQL text instead of `clickhouse_settings`:
 * on chDB, `clickhouse_settings` become session-wide `SET`s that outlive the query (a tiny
 * max_execution_time or an insert_deduplication_token would silently apply to every later
 * statement). A SETTINGS clause is query-scoped on both chDB and a server.
 *
 * Stats come from the `statistics` block of FORMAT JSON (rows_read, bytes_read, elapsed), which
 * both engines fill with the rows actually read from storage. chDB's own `rowsRead`/`bytesRead`
 * (raw result, and the summary it fakes for @clickhouse/client) count RESULT rows, not rows read.
 */

export interface Actor {
  route?: string
  user?: string
}

export interface QueryStats {
  /** Rows read from storage; -1 when the engine did not report it. */
  rowsRead: number
  bytesRead: number
  /** Wall-clock time of the call as the app saw it (what the budgets measure). */
  elapsedMs: number
}

export interface QueryLimits {
  /** Refuse queries that would read more rows (error 158 → QueryTooHeavyError). */
  maxRowsToRead?: number
  /** Per-query memory cap in bytes (error 241 → QueryTooHeavyError). */
  maxMemoryBytes?: number
}

export interface ChQuery {
  /** Stable, low-cardinality name, e.g. 'overview.hopCountsByPlant' (a metrics label). */
  name: string
  /** One SELECT without SETTINGS/FORMAT (the seam appends both) and without a trailing ';'. */
  sql: string
  params?: Record<string, unknown>
  actor?: Actor
  /** Server-side limit; default 10 s. */
  maxExecutionTimeSec?: number
  limits?: QueryLimits
  /**
   * Further settings of this query alone, added to the SETTINGS clause the seam appends (the
   * seam's own win a clash). The only way to tune one query: never `clickhouse_settings` (above).
   */
  settings?: Readonly<Record<string, string | number>>
}

export interface QueryResult<T> {
  rows: T[]
  stats: QueryStats
}

/** The engine refused a query as too expensive; the UI tells the user to narrow the range. */
export class QueryTooHeavyError extends Error {
  override readonly name = 'QueryTooHeavyError'
  constructor(
    readonly queryName: string,
    readonly code: number | undefined,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `This view asks ClickHouse for too much at once (${reason}). Narrow the time range or add filters (plant, flow, line) and try again.`,
      options,
    )
  }
}

/** Any other ClickHouse failure; names the query so logs and bug reports point at one place. */
export class ClickHouseQueryError extends Error {
  override readonly name = 'ClickHouseQueryError'
  constructor(
    readonly queryName: string,
    readonly code: number | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`ClickHouse query "${queryName}" failed${code !== undefined ? ` (code ${code})` : ''}: ${detail}`, options)
  }
}

/** ClickHouse error codes that mean "this query is too big", with a human reason. */
const TOO_HEAVY: Record<number, string> = {
  158: 'too many rows to read',
  159: 'time limit exceeded',
  160: 'estimated to be too slow',
  173: 'out of memory',
  241: 'memory limit exceeded',
  307: 'too many bytes to read',
  396: 'too many rows or bytes in the result',
}

const QUERY_NAME = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*$/
/** Kafka-coordinate tokens `{topic}:{partition}:{first}-{last}` and similar; no quotes/backslashes. */
const DEDUP_TOKEN = /^[A-Za-z0-9_.:/@=+-]{1,256}$/

function assertQueryName(name: string): void {
  if (!QUERY_NAME.test(name) || name.length > 100) {
    throw new Error(`Invalid query name ${JSON.stringify(name)}: use dotted identifiers like 'overview.hopCountsByPlant'`)
  }
}

/**
 * Whitelist an identifier (sort column, group-by dimension …) before it is placed in SQL text.
 * Returns the value unchanged when it is one of `allowed`, throws otherwise.
 */
export function identifier<T extends string>(value: string, allowed: readonly T[]): T {
  const hit = allowed.find((a) => a === value)
  if (hit === undefined) {
    throw new Error(`Identifier ${JSON.stringify(value)} is not allowed here; expected one of ${allowed.join(', ')}`)
  }
  return hit
}

/**
 * Dates are formatted here because the two transports disagree: @clickhouse/client sends a Unix
 * timestamp, chDB's binder drops the milliseconds. A plain 'YYYY-MM-DD hh:mm:ss.sss' string is
 * read identically by `{x:DateTime64(3, 'UTC')}` on both.
 */
function normalizeParams(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!params) return undefined
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(params)) {
    if (v instanceof Date) out[k] = toChDateTime(v)
    else if (Array.isArray(v)) out[k] = v.map((x) => (x instanceof Date ? toChDateTime(x) : x))
    else out[k] = v
  }
  return out
}

/** Route and user are caller-controlled text headed into a SQL literal: keep a safe alphabet only. */
function clean(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  return value.replace(/[^A-Za-z0-9 _.:/@#=+,()[\]-]/g, '_').slice(0, 200)
}

function logComment(name: string, actor: Actor | undefined): string {
  return JSON.stringify({ app: 'linetrace', query: name, route: clean(actor?.route), user: clean(actor?.user) })
}

/** Render a SETTINGS clause. Strings are escaped as ClickHouse literals (backslash first). */
function settingsClause(settings: Record<string, string | number>): string {
  return Object.entries(settings)
    .map(([k, v]) => {
      if (!IDENTIFIER.test(k)) throw new Error(`Invalid setting name ${k}`)
      if (typeof v === 'number') {
        if (!Number.isFinite(v) || v < 0) throw new Error(`Invalid value for setting ${k}: ${v}`)
        return `${k} = ${v}`
      }
      return `${k} = '${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
    })
    .join(', ')
}

function stripStatement(sql: string): string {
  const s = sql.trim().replace(/;\s*$/, '')
  if (/\bFORMAT\s+\w+\s*$/i.test(s)) throw new Error('Leave FORMAT to the exec seam (it reads FORMAT JSON statistics)')
  return s
}

function errorCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code
  const n = typeof code === 'string' || typeof code === 'number' ? Number(code) : NaN
  return Number.isInteger(n) ? n : undefined
}

/** Embedded: the statement waits for its turn at the engine (turns.ts); a server takes it at once. */
const inTurn = <T>(ch: ClickHouse, kind: TurnKind, send: () => Promise<T>): Promise<T> => (ch.turns ? ch.turns.run(kind, send) : send())

function mapError(name: string, err: unknown): Error {
  const code = errorCode(err)
  const message = err instanceof Error ? err.message : String(err)
  if (code !== undefined && TOO_HEAVY[code]) return new QueryTooHeavyError(name, code, TOO_HEAVY[code], { cause: err })
  // @clickhouse/client's own request_timeout (server mode): the server did not answer in time.
  if (code === undefined && /^Timeout error/i.test(message)) {
    return new QueryTooHeavyError(name, undefined, 'no answer in time', { cause: err })
  }
  return new ClickHouseQueryError(name, code, message, { cause: err })
}

function outcomeOf(err: Error): 'too_heavy' | 'error' {
  return err instanceof QueryTooHeavyError ? 'too_heavy' : 'error'
}

interface JsonStatistics {
  elapsed?: number
  rows_read?: number | string
  bytes_read?: number | string
}

function num(v: number | string | undefined): number {
  if (v === undefined) return -1
  const n = Number(v)
  return Number.isFinite(n) ? n : -1
}

/** Run one SELECT through the seam; see the file comment for what it guarantees. */
export async function chQuery<T>(ch: ClickHouse, q: ChQuery): Promise<QueryResult<T>> {
  assertQueryName(q.name)
  const maxSec = q.maxExecutionTimeSec ?? 10
  if (!(maxSec > 0 && maxSec <= 600)) throw new Error(`maxExecutionTimeSec must be in (0, 600], got ${maxSec}`)

  const settings: Record<string, string | number> = {
    ...q.settings,
    max_execution_time: maxSec,
    timeout_overflow_mode: 'throw',
    log_comment: logComment(q.name, q.actor),
    // chDB prints 64-bit integers unquoted, a server quotes them by default: pin one behaviour so
    // counts are JS numbers in both modes. Ids are strings anyway; cast to String in SQL if a
    // 64-bit value must stay exact.
    output_format_json_quote_64bit_integers: 0,
  }
  if (q.limits?.maxRowsToRead !== undefined) {
    settings.max_rows_to_read = q.limits.maxRowsToRead
    settings.read_overflow_mode = 'throw'
  }
  if (q.limits?.maxMemoryBytes !== undefined) settings.max_memory_usage = q.limits.maxMemoryBytes

  const sql = `${stripStatement(q.sql)}\nSETTINGS ${settingsClause(settings)}`
  const m = metrics()
  const started = performance.now()
  try {
    const rs = await inTurn(ch, 'read', () => ch.client.query({
      query: sql,
      format: 'JSON',
      query_params: normalizeParams(q.params),
      // Server only (chDB drops HTTP settings): buffer the result server-side so an error late in
      // the query arrives as an HTTP error, not as garbage after a 200 with half a JSON body.
      ...(ch.mode === 'server' ? { clickhouse_settings: { wait_end_of_query: 1 } } : {}),
    }))
    const body = await rs.json<T>()
    const elapsedMs = performance.now() - started
    const st = (body.statistics ?? {}) as JsonStatistics
    const stats: QueryStats = { rowsRead: num(st.rows_read), bytesRead: num(st.bytes_read), elapsedMs }
    m.clickhouseQueryDuration.observe({ query: q.name, outcome: 'ok' }, elapsedMs / 1000)
    if (stats.rowsRead >= 0) m.clickhouseRowsRead.inc({ query: q.name }, stats.rowsRead)
    const { route, user } = q.actor ?? {}
    const engineMs = st.elapsed !== undefined ? Math.round(st.elapsed * 10000) / 10 : undefined
    const { rowsRead, bytesRead } = stats
    logger.debug({ clickhouse: { query: q.name, route, user, rows: body.data.length, rowsRead, bytesRead, elapsedMs: Math.round(elapsedMs * 10) / 10, engineMs } }, 'clickhouse query')
    return { rows: body.data, stats }
  } catch (err) {
    const mapped = mapError(q.name, err)
    const elapsedMs = performance.now() - started
    m.clickhouseQueryDuration.observe({ query: q.name, outcome: outcomeOf(mapped) }, elapsedMs / 1000)
    logger.warn(
      { clickhouse: { query: q.name, route: q.actor?.route, user: q.actor?.user, code: errorCode(err), elapsedMs } },
      mapped.message,
    )
    throw mapped
  }
}

export interface ChCommand {
  name: string
  /** DDL or other statement without a result set. No SETTINGS appended (DDL has its own). */
  sql: string
  params?: Record<string, unknown>
}

/** Run a statement without a result (DDL, OPTIMIZE, SYSTEM …). */
export async function chCommand(ch: ClickHouse, c: ChCommand): Promise<{ elapsedMs: number }> {
  assertQueryName(c.name)
  const m = metrics()
  const started = performance.now()
  try {
    await inTurn(ch, 'write', () => ch.client.command({ query: c.sql.trim().replace(/;\s*$/, ''), query_params: normalizeParams(c.params) }))
    const elapsedMs = performance.now() - started
    m.clickhouseQueryDuration.observe({ query: c.name, outcome: 'ok' }, elapsedMs / 1000)
    logger.debug({ clickhouse: { command: c.name, elapsedMs: Math.round(elapsedMs * 10) / 10 } }, 'clickhouse command')
    return { elapsedMs }
  } catch (err) {
    const mapped = mapError(c.name, err)
    m.clickhouseQueryDuration.observe({ query: c.name, outcome: outcomeOf(mapped) }, (performance.now() - started) / 1000)
    throw mapped
  }
}

export interface ChInsert {
  /** Table name without database (qualified with ch.database here). */
  table: string
  rows: readonly object[]
  /**
   * Deterministic batch identity, e.g. `{topic}:{partition}:{first}-{last}`: a batch retried with
   * the same token is dropped by ClickHouse, materialized views included.
   */
  dedupToken?: string
}

/** The columns an insert into `table` may name, with their declared types (read once per handle and table). */
export function insertColumns(ch: ClickHouse, table: string): Promise<ReadonlyMap<string, DeclaredColumn>> {
  return declaredColumns(ch, table, async () => {
    const { rows } = await chQuery<{ name: string; type: string; default_kind: string; default_expression: string }>(ch, {
      name: 'insert.columns',
      sql: `SELECT name, type, default_kind, default_expression FROM system.columns WHERE database = {db:String} AND table = {table:String} ORDER BY position`,
      params: { db: ch.database, table },
    })
    if (rows.length === 0) throw new Error(`No table ${ch.database}.${table}`)
    return rows
  })
}

/**
 * Insert rows (objects keyed by column name). Times may be RFC 3339 strings or Dates. An unknown
 * column is an error, not silently dropped: a misspelt column would otherwise lose data (on chDB
 * even when null in every row; a server sees only the columns holding a value). The rows go to a
 * server as JSONCompactEachRow, to chDB as a Native block (insert-formats.ts says why).
 */
export async function chInsert(ch: ClickHouse, ins: ChInsert): Promise<{ rows: number; elapsedMs: number }> {
  if (!IDENTIFIER.test(ins.table)) throw new Error(`Invalid table name ${JSON.stringify(ins.table)}`)
  const name = `insert.${ins.table}`
  if (ins.rows.length === 0) return { rows: 0, elapsedMs: 0 }
  const settings: Record<string, string | number> = {
    // Always on, token or not: without it a block deduplicated in the table (same token, or the
    // same content hash) would still be counted again by the materialized views.
    deduplicate_blocks_in_dependent_materialized_views: 1,
    date_time_input_format: 'best_effort',
    input_format_null_as_default: 1,
    // Our batches are the buffering. ClickHouse 26 (chDB 26.7 included) has async_insert on by
    // default, and an async insert is queued with other clients' rows and deduplicated by other
    // rules (async_insert_deduplicate, 0 by default) than the insert_deduplication_token a
    // retried batch relies on. chDB's inserts read a file (INSERT … SELECT), never async; a
    // server's HTTP body is inline data.
    async_insert: 0,
    // Off: collapsing an insert's rows by sorting key before writing the part costs more than it
    // saves us. The rollup views GROUP BY their target's sorting key, so their blocks have one row
    // per key already, and re-merging each row's aggregate states (uniqExact sets, argMax) was a
    // third of the engine's CPU per hop_events row (bench suite `ingest`, phase (b), two pairs in
    // one session: 27.8 and 32.8 against 42.4 and 46.6 CPU µs per event). What it would still
    // collapse (a re-send inside one batch of hop_events, hop_payloads, line_events) is read
    // duplicate-safe anyway, as copies from different inserts stay apart until merges too
    // (CLICKHOUSE.md; views.test.ts inserts such a batch).
    optimize_on_insert: 0,
  }
  if (ins.dedupToken !== undefined) {
    if (!DEDUP_TOKEN.test(ins.dedupToken)) throw new Error(`Invalid dedup token ${JSON.stringify(ins.dedupToken)}`)
    settings.insert_deduplication_token = ins.dedupToken
  }
  const table = `${ch.database}.${ins.table}`
  const { chdb, spoolDir } = ch
  const m = metrics()
  let started = performance.now()
  try {
    if (chdb && spoolDir) {
      const declared = await insertColumns(ch, ins.table)
      const { sql, file } = spoolNative(spoolDir, table, ins.rows, declared, settingsClause(settings))
      started = performance.now()
      try {
        await inTurn(ch, 'write', () => chdb.queryAsync(sql))
      } finally {
        unlinkSync(file)
      }
    } else {
      const { columns, body } = compactRows(ins.rows)
      const query = `INSERT INTO ${table} (${columns.join(', ')}) SETTINGS ${settingsClause(settings)} FORMAT JSONCompactEachRow`
      const res = await ch.client.exec({ query, values: Readable.from([body]) })
      // Drain the (empty) response so a server connection returns to the pool.
      for await (const _ of res.stream) void _
    }
    const elapsedMs = performance.now() - started
    m.clickhouseQueryDuration.observe({ query: name, outcome: 'ok' }, elapsedMs / 1000)
    logger.debug({ clickhouse: { insert: ins.table, rows: ins.rows.length, dedupToken: ins.dedupToken, elapsedMs } }, 'clickhouse insert')
    return { rows: ins.rows.length, elapsedMs }
  } catch (err) {
    const mapped = mapError(name, err)
    m.clickhouseQueryDuration.observe({ query: name, outcome: outcomeOf(mapped) }, (performance.now() - started) / 1000)
    throw mapped
  }
}
