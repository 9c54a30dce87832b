import { randomBytes } from 'node:crypto'
import { logger } from '../logger'

/**
 * An error nobody anticipated: its text (a Prisma invocation, a constraint name, a stack) is for
 * the operators, never for the caller. It is logged under a short id and the caller gets only
 * "internal error (id …)", which support can find in the log.
 */
export function reportInternalError(error: unknown, context: Record<string, unknown>): string {
  const errorId = randomBytes(6).toString('hex')
  logger.error({ err: error, errorId, ...context }, 'internal error')
  return internalErrorMessage(errorId)
}

export function internalErrorMessage(errorId: string): string {
  return `internal error (id ${errorId})`
}

interface PrismaKnownError {
  code: string
  meta?: { modelName?: string }
}

/** A Prisma request error (they are plain classes with a `P…` code; no Prisma import needed here). */
function prismaError(error: unknown): PrismaKnownError | null {
  if (!(error instanceof Error) || error.name !== 'PrismaClientKnownRequestError') return null
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? (error as unknown as PrismaKnownError) : null
}

/**
 * Store errors with a meaning the caller can act on, when a service did not anticipate them
 * (e.g. two admins creating the same name at once): a domain code and a plain message, no
 * constraint or column names. Null for everything else.
 */
export function knownStoreError(error: unknown): { code: 'CONFLICT' | 'NOT_FOUND' | 'BAD_REQUEST'; message: string } | null {
  const prisma = prismaError(error)
  if (!prisma) return null
  switch (prisma.code) {
    case 'P2002':
      return { code: 'CONFLICT', message: 'That already exists (a name or key is taken); pick another or reload.' }
    case 'P2025':
    case 'P2001':
      return { code: 'NOT_FOUND', message: 'That no longer exists; reload the list.' }
    case 'P2003':
      return { code: 'BAD_REQUEST', message: 'It refers to something that does not exist (or is still referred to); reload and try again.' }
    default:
      return null
  }
}
