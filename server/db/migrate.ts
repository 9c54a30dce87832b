import { createHash, randomUUID } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { SqlExecutor } from './sql-executor'

export type { SqlExecutor } from './sql-executor'
export { pgExecutor, pgliteExecutor } from './sql-executor'

/**
 * Applies prisma/migrations/<name>/migration.sql folders the way `prisma migrate deploy` does and
 * records them in the same `_prisma_migrations` table, so the two can take turns on one database.
 * (Prisma's own engine is a download that is not reachable here; see ENVIRONMENT.md.)
 */

export class MigrationError extends Error {
  override name = 'MigrationError'
}

export interface MigrationFile {
  name: string
  script: string
  checksum: string
}

interface MigrationRow {
  id: string
  checksum: string
  migration_name: string
  finished_at: Date | null
  rolled_back_at: Date | null
  logs: string | null
}

/** Prisma Migrate's advisory-lock key: holding the same one also keeps `prisma migrate deploy` out. */
const PRISMA_MIGRATE_LOCK = 72707369

// Prisma's DDL, word for word, so `prisma migrate status/deploy` accept a table we created.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`

/** Next.js bundles cannot locate files relative to a module, and the app runs from the repo root. */
export function defaultMigrationsDir(): string {
  return path.join(process.cwd(), 'prisma', 'migrations')
}

export function checksumOf(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  // Read from the repo at run time; turbopack must not trace (and bundle) the whole project here.
  const entries = await readdir(/*turbopackIgnore: true*/ dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new MigrationError(`Cannot read the migrations folder ${dir}: ${error.message}`)
  })
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort()
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name, 'migration.sql')
      const bytes = await readFile(/*turbopackIgnore: true*/ file).catch(() => {
        throw new MigrationError(`Migration folder ${name} has no migration.sql (${file})`)
      })
      return { name, script: bytes.toString('utf8'), checksum: checksumOf(bytes) }
    }),
  )
}

export async function migratePostgres(
  sql: SqlExecutor,
  opts: { dir?: string } = {},
): Promise<{ applied: string[] }> {
  const migrations = await readMigrations(opts.dir ?? defaultMigrationsDir())
  await sql.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATE_LOCK})`)
  try {
    await sql.exec(CREATE_MIGRATIONS_TABLE)
    const rows = await sql.query<MigrationRow>(
      `SELECT id, checksum, migration_name, finished_at, rolled_back_at, logs
         FROM _prisma_migrations ORDER BY started_at`,
    )
    assertHistoryIsSound(rows, migrations)
    const done = new Set(rows.filter(isApplied).map((r) => r.migration_name))
    const applied: string[] = []
    for (const migration of migrations) {
      if (done.has(migration.name)) continue
      await apply(sql, migration)
      applied.push(migration.name)
    }
    return { applied }
  } finally {
    // A failed unlock means a dead session, which releases the lock by itself.
    await sql.query(`SELECT pg_advisory_unlock(${PRISMA_MIGRATE_LOCK})`).catch(() => undefined)
  }
}

function isApplied(row: MigrationRow): boolean {
  return row.finished_at !== null && row.rolled_back_at === null
}

function assertHistoryIsSound(rows: MigrationRow[], migrations: MigrationFile[]): void {
  const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null)
  if (failed.length > 0) {
    const list = failed.map((r) => `"${r.migration_name}": ${r.logs ?? 'no log'}`).join('\n  ')
    throw new MigrationError(
      `Postgres has failed migrations, so no further ones are applied:\n  ${list}\n` +
        'Each ran in a transaction that was rolled back. Fix the migration, then mark the failed run ' +
        'as rolled back (`npx prisma migrate resolve --rolled-back <name>`, or UPDATE _prisma_migrations ' +
        'SET rolled_back_at = now() WHERE migration_name = <name> AND finished_at IS NULL) and start again.',
    )
  }
  const byName = new Map(migrations.map((m) => [m.name, m]))
  const changed = rows
    .filter(isApplied)
    .filter((r) => byName.has(r.migration_name) && byName.get(r.migration_name)?.checksum !== r.checksum)
  if (changed.length > 0) {
    const list = changed
      .map((r) => `"${r.migration_name}" (applied ${r.checksum}, file now ${byName.get(r.migration_name)?.checksum})`)
      .join('\n  ')
    throw new MigrationError(
      `Applied migrations were modified afterwards (sha256 of migration.sql differs):\n  ${list}\n` +
        'Restore the applied version of those files and put the change in a new migration folder.',
    )
  }
}

async function apply(sql: SqlExecutor, migration: MigrationFile): Promise<void> {
  const id = randomUUID()
  // Recorded before running, like Prisma: a run that fails leaves this row behind as the marker.
  await sql.query(
    `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
     VALUES ($1, $2, $3, now(), 0)`,
    [id, migration.checksum, migration.name],
  )
  try {
    // Marking it finished inside the migration's own implicit transaction means a crash can never
    // leave applied DDL recorded as unfinished. The newline ends a trailing `--` comment.
    await sql.exec(
      `${migration.script}\n;\nUPDATE _prisma_migrations SET finished_at = clock_timestamp(), ` +
        `applied_steps_count = 1 WHERE id = '${id}'`,
    )
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    // A script with its own BEGIN can leave the session inside an aborted transaction.
    await sql.exec('ROLLBACK').catch(() => undefined)
    await sql.query(`UPDATE _prisma_migrations SET logs = $2 WHERE id = $1`, [id, message])
    throw new MigrationError(`Migration "${migration.name}" failed and was rolled back: ${message}`, {
      cause: error,
    })
  }
}
