import type { PGliteInterface } from '@electric-sql/pglite'
import type { ClientBase } from 'pg'

export type SqlRow = Record<string, unknown>

/**
 * The little the migration runner needs from a Postgres session. Both calls must reach the same
 * session: advisory locks are held per session.
 */
export interface SqlExecutor {
  /** One statement with `$1`-style parameters. */
  query<R extends object = SqlRow>(text: string, params?: unknown[]): Promise<R[]>
  /**
   * Several statements sent as one simple-protocol message, which Postgres runs as one implicit
   * transaction unless the text itself says BEGIN/COMMIT.
   */
  exec(text: string): Promise<void>
}

/**
 * Over one `pg` connection: a `Client`, or a `PoolClient` checked out with `pool.connect()`.
 * A `Pool` itself would spread the calls over several sessions.
 */
export function pgExecutor(client: ClientBase): SqlExecutor {
  return {
    async query<R extends object>(text: string, params?: unknown[]) {
      return (await client.query(text, params)).rows as R[]
    },
    async exec(text: string) {
      // No parameters: pg then uses the simple protocol, which accepts several statements.
      await client.query(text)
    },
  }
}

export function pgliteExecutor(db: PGliteInterface): SqlExecutor {
  return {
    async query<R extends object>(text: string, params?: unknown[]) {
      return (await db.query<R>(text, params)).rows
    },
    async exec(text: string) {
      await db.exec(text)
    },
  }
}
