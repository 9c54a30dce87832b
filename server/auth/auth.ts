import { betterAuth } from 'better-auth'
import { prismaAdapter } from 'better-auth/adapters/prisma'
import type { PrismaClient } from '../db/client'
import { logger } from '../logger'
import { audit } from '../services/audit/audit'

export const AUTH_BASE_PATH = '/api/auth'
export const SESSION_TTL_SECONDS = 12 * 60 * 60

/**
 * Password login and httpOnly session cookies come from better-auth (scrypt hashes, signed cookies,
 * sessions in Postgres). Sign-up is closed: admins create users (server/services/users/users.ts).
 */
export function createAuth(prisma: PrismaClient, secret: string) {
  return betterAuth({
    appName: 'Linetrace',
    secret,
    basePath: AUTH_BASE_PATH,
    database: prismaAdapter(prisma, { provider: 'postgresql' }),
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 10 },
    session: { expiresIn: SESSION_TTL_SECONDS, updateAge: 60 * 60 },
    user: {
      additionalFields: {
        role: { type: 'string', input: false, defaultValue: 'viewer' },
        disabled: { type: 'boolean', input: false, defaultValue: false },
      },
    },
    // Same-origin check: the console is served from whatever host and port it is started on.
    trustedOrigins: (request) => {
      const host = request?.headers.get('x-forwarded-host') ?? request?.headers.get('host')
      if (!host) return []
      const proto = request?.headers.get('x-forwarded-proto') ?? 'http'
      return [`${proto}://${host}`]
    },
    // Brute-force guard per client IP. Shop-floor PCs often share one NAT address, hence not lower.
    rateLimit: { enabled: true, window: 60, max: 100, customRules: { '/sign-in/email': { window: 60, max: 20 } } },
    logger: {
      log: (level, message) => logger[level]({ component: 'auth' }, message),
    },
    databaseHooks: {
      session: {
        create: {
          before: async (session) => {
            const user = await prisma.user.findUnique({ where: { id: session.userId }, select: { disabled: true } })
            // Returning false makes better-auth refuse the login; disabled users keep their history.
            if (!user || user.disabled) return false
          },
          after: async (session) => {
            const user = await prisma.user.findUnique({ where: { id: session.userId }, select: { email: true } })
            await audit(prisma, {
              actor: { userId: session.userId, label: user?.email ?? session.userId },
              action: 'auth.login',
              targetType: 'session',
              targetId: session.id,
              ip: session.ipAddress ?? null,
            })
          },
        },
        delete: {
          after: async (session) => {
            const user = await prisma.user.findUnique({ where: { id: session.userId }, select: { email: true } })
            await audit(prisma, {
              actor: { userId: session.userId, label: user?.email ?? session.userId },
              action: 'auth.logout',
              targetType: 'session',
              targetId: session.id,
            })
          },
        },
      },
    },
  })
}

export type Auth = ReturnType<typeof createAuth>
