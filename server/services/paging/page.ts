/**
 * The one way lists page through Postgres: keyset pages on Prisma's id cursor, ordered by the
 * caller. One row past the page is read: it says there is a next page, and the page's last id is
 * where the next one starts.
 */
export function pageArgs<Id = string>(limit: number, cursor: Id | null | undefined) {
  return { take: limit + 1, ...(cursor !== null && cursor !== undefined ? { cursor: { id: cursor }, skip: 1 } : {}) }
}

export function pageOf<T extends { id: unknown }>(rows: readonly T[], limit: number): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit)
  return { page, nextCursor: rows.length > limit ? String(page.at(-1)!.id) : null }
}
