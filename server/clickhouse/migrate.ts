import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { logger } from '../logger'
import { assertDatabaseName, type ClickHouse } from './client'
import { chCommand, chInsert, chQuery } from './exec'

/**
 * Migration runner: numbered SQL files (`0001_name.sql`) applied in order, each recorded in
 * `<db>.schema_migrations` with the sha256 of the file. Every statement in the files is idempotent
 * (IF NOT EXISTS), so a run interrupted half-way, or two processes migrating at once, end in the
 * same schema. The same files serve chDB and a server; `{{database}}` is the only placeholder.
 * Schema changes to existing objects go in NEW files (ALTER … / MODIFY QUERY), never by editing an
 * applied one: an applied file whose checksum changed stops the run.
 */

export interface MigrationFile {
  version: number
  /** File name without `.sql`, e.g. '0001_core_tables'. */
  name: string
  sql: string
  checksum: string
}

export class MigrationChecksumError extends Error {
  override readonly name = 'MigrationChecksumError'
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/

/**
 * Resolved from the working directory, not import.meta.url: the app always runs from the repo
 * root, and inside a Next.js server bundle import.meta.url points into .next/, where the SQL files
 * are not copied.
 */
export function defaultMigrationsDir(): string {
  return path.join(process.cwd(), 'server', 'clickhouse', 'migrations')
}

export function loadMigrations(dir: string = defaultMigrationsDir()): MigrationFile[] {
  const files: MigrationFile[] = []
  // Read at run time from the repo, not bundled: turbopack must not trace the whole project here.
  for (const entry of readdirSync(/*turbopackIgnore: true*/ dir).sort()) {
    if (!entry.endsWith('.sql')) continue
    const m = FILE_NAME.exec(entry)
    if (!m) throw new Error(`Migration file ${entry} in ${dir} does not match NNNN_name.sql`)
    const sql = readFileSync(path.join(/*turbopackIgnore: true*/ dir, entry), 'utf8')
    files.push({
      version: Number(m[1]),
      name: entry.slice(0, -'.sql'.length),
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    })
  }
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.version === files[i - 1]!.version) {
      throw new Error(`Two migrations share version ${files[i]!.version}: ${files[i - 1]!.name}, ${files[i]!.name}`)
    }
  }
  return files
}

/**
 * Split a SQL file into statements on `;`, ignoring semicolons in comments and quoted text.
 * Comments are dropped (ClickHouse would keep them inside stored view definitions otherwise).
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = []
  let cur = ''
  let i = 0
  while (i < sql.length) {
    const c = sql[i]!
    const next = sql[i + 1]
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i)
      i = end === -1 ? sql.length : end
      continue
    }
    if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2)
      if (end === -1) throw new Error('Unterminated /* comment in migration')
      cur += ' '
      i = end + 2
      continue
    }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1
      while (j < sql.length && sql[j] !== c) j += sql[j] === '\\' ? 2 : 1
      if (j >= sql.length) throw new Error(`Unterminated ${c} quote in migration`)
      cur += sql.slice(i, j + 1)
      i = j + 1
      continue
    }
    if (c === ';') {
      if (cur.trim()) out.push(cur.trim())
      cur = ''
      i++
      continue
    }
    cur += c
    i++
  }
  if (cur.trim()) out.push(cur.trim())
  return out
}

export function renderMigration(sql: string, database: string): string {
  const rendered = sql.replace(/\{\{database\}\}/g, assertDatabaseName(database))
  const leftover = /\{\{[^}]*\}\}/.exec(rendered)
  if (leftover) throw new Error(`Unknown placeholder ${leftover[0]} in migration`)
  return rendered
}

interface AppliedRow {
  version: number
  name: string
  checksum: string
}

export async function migrateClickHouse(ch: ClickHouse, opts: { dir?: string } = {}): Promise<{ applied: string[] }> {
  const db = assertDatabaseName(ch.database)
  const files = loadMigrations(opts.dir)

  await chCommand(ch, { name: 'migrate.createDatabase', sql: `CREATE DATABASE IF NOT EXISTS ${db}` })
  await chCommand(ch, {
    name: 'migrate.createLedger',
    sql: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations
          (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
          ENGINE = MergeTree ORDER BY version`,
  })
  // Two processes may both record a version; the first record counts.
  const { rows } = await chQuery<AppliedRow>(ch, {
    name: 'migrate.applied',
    sql: `SELECT version, name, checksum FROM ${db}.schema_migrations ORDER BY version, applied_at LIMIT 1 BY version`,
  })
  const appliedByVersion = new Map(rows.map((r) => [Number(r.version), r]))

  for (const file of files) {
    const row = appliedByVersion.get(file.version)
    if (row && row.checksum !== file.checksum) {
      throw new MigrationChecksumError(
        `ClickHouse migration ${file.name} was changed after it was applied to database ${db} ` +
          `(recorded sha256 ${row.checksum}, file now ${file.checksum}). Applied migrations must not be edited: ` +
          `restore the file and put the change in a new migration.`,
      )
    }
  }
  const known = new Set(files.map((f) => f.version))
  for (const row of rows) {
    if (!known.has(Number(row.version))) {
      // A newer release migrated this database; additive migrations keep older code working.
      logger.warn({ migration: row.name, database: db }, 'ClickHouse migration recorded in the database has no file here')
    }
  }

  const applied: string[] = []
  for (const file of files) {
    if (appliedByVersion.has(file.version)) continue
    const statements = splitStatements(renderMigration(file.sql, db))
    for (const sql of statements) {
      await chCommand(ch, { name: `migrate.v${file.version}`, sql })
    }
    await chInsert(ch, {
      table: 'schema_migrations',
      rows: [{ version: file.version, name: file.name, checksum: file.checksum }],
    })
    logger.info({ migration: file.name, database: db, statements: statements.length }, 'ClickHouse migration applied')
    applied.push(file.name)
  }
  return { applied }
}
