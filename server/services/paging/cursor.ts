import type { z } from 'zod'
import { DomainError } from '../../domain/errors'

/**
 * The one cursor helper. Lists page by keyset, never by offset:
 * - Postgres lists on Prisma's id cursor (`pageArgs` + `pageOf`): one row past the page is read; it
 *   says there is a next page, and the page's last id is where the next one starts;
 * - other keysets (ClickHouse reads: a time and an id) travel as an opaque cursor (`encodeCursor`),
 *   checked against its schema when it comes back (`decodeCursor`).
 */

export function pageArgs<Id = string>(limit: number, cursor: Id | null | undefined) {
  return { take: limit + 1, ...(cursor !== null && cursor !== undefined ? { cursor: { id: cursor }, skip: 1 } : {}) }
}

export function pageOf<T extends { id: unknown }>(rows: readonly T[], limit: number): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit)
  return { page, nextCursor: rows.length > limit ? String(page.at(-1)!.id) : null }
}

export function encodeCursor(key: object): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url')
}

/** The key a cursor of `encodeCursor` carries; a cursor this server did not hand out is a 400. */
export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')))
  } catch {
    throw new DomainError('BAD_REQUEST', 'The cursor is not one this server handed out; start again without it.')
  }
}
