import { Prisma } from './generated/client'

/**
 * Constraint violations as the two engines report them. Match on these rather than on `meta`:
 * the adapters fill `meta` differently (adapter-pg names the index, the PGlite adapter lists fields).
 */

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002'
}

/**
 * PGlite is PostgreSQL 18, which reports an ON DELETE RESTRICT violation as SQLSTATE 23001
 * instead of 23503; pglite-prisma-adapter 0.7 does not map 23001, so Prisma raises its generic
 * P2039 where the server (PostgreSQL 15, adapter-pg) raises P2003.
 */
export function isForeignKeyViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false
  return error.code === 'P2003' || (error.code === 'P2039' && driverErrorCode(error) === '23001')
}

function driverErrorCode(error: Prisma.PrismaClientKnownRequestError): unknown {
  const cause = (error.meta?.driverAdapterError as { cause?: { originalCode?: unknown } } | undefined)?.cause
  return cause?.originalCode
}
