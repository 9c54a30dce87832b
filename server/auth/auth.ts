import { betterAuth } from 'better-auth'
import { prismaAdapter } from 'better-auth/adapters/prisma'
import { APIError, createAuthMiddleware, getIP } from 'better-auth/api'
import type { PrismaClient } from '../db/client'
import { logger } from '../logger'
import { audit } from '../services/audit/audit'
import { consoleOrigins } from '../http/csrf'
import { CLIENT_ADDRESS_HEADER } from './client-address'
import { createSignInLimiter } from './sign-in-limits'

export const AUTH_BASE_PATH = '/api/auth'
export const SESSION_TTL_SECONDS = 12 * 60 * 60

export interface AuthOptions {
  /** Signs the session cookies. */
  secret: string
  /** The console's address as people reach it (config.publicUrl): https means Secure cookies. */
  publicUrl: string
}

/**
 * Password login and httpOnly session cookies come from better-auth (scrypt hashes, signed cookies,
 * sessions in Postgres). Sign-up is closed: admins create users (server/services/users/users.ts).
 */
export function createAuth(prisma: PrismaClient, { secret, publicUrl }: AuthOptions) {
  const signInLimiter = createSignInLimiter()
  return betterAuth({
    appName: 'Linetrace',
    secret,
    // The console's public address: without it better-auth warns at every start and guesses the
    // origin from each request. The same-origin check still accepts the request's own host (below).
    baseURL: publicUrl,
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
    // Same-origin check (better-auth refuses a cookie-bearing POST, and a sign-in with fetch
    // metadata, from any other origin): the console is served from whatever host and port it is
    // started on, and from PUBLIC_URL; the same list the REST and tRPC CSRF guard uses.
    trustedOrigins: (request) => consoleOrigins(request, publicUrl),
    // Secure cookies exactly when people reach the console over https; better-auth's own default
    // (NODE_ENV) would also mark them Secure on a plain-http plant LAN, where browsers drop them.
    advanced: {
      // On everywhere: better-auth turns its origin/CSRF check off by itself under NODE_ENV=test,
      // which would let the tests miss a sign-in posted by another origin (login CSRF).
      disableOriginCheck: false,
      useSecureCookies: new URL(publicUrl).protocol === 'https:',
      // The client address as the server resolved it (trusting X-Forwarded-For only from
      // TRUSTED_PROXIES), for the rate limiter and the sessions' (and so the login audit's) address.
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
    },
    // Per client address; password sign-in has its own limits per account and address (below).
    rateLimit: { enabled: true, window: 60, max: 100, customRules: { '/sign-in/email': false } },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== '/sign-in/email') return
        const source = ctx.request ?? ctx.headers
        // getIP: the same address, IPv6 collapsed to its /64, as better-auth's limiter keys on.
        const address = (source && getIP(source, ctx.context.options)) || 'unknown'
        const body = ctx.body as { email?: unknown } | undefined
        const verdict = signInLimiter.attempt(typeof body?.email === 'string' ? body.email : '', address)
        if (!verdict.allowed)
          throw new APIError('TOO_MANY_REQUESTS', { message: 'Too many sign-in attempts. Wait a minute, then try again.' }, { 'X-Retry-After': String(verdict.retryAfterSeconds) })
      }),
    },
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
