import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { principalFromHeaders } from '../../auth/principal'
import type { Runtime } from '../../runtime'
import { startTestRuntime } from '../../testing/runtime'
import { DEMO_USERS } from '../plants/seed'
import { createApiToken, createUser, revokeApiToken, updateUser } from './users'

let runtime: Runtime
let stop: () => Promise<void>
beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
})
afterAll(() => stop())

const admin = { userId: null, label: 'test-admin' }

/** Signs in through better-auth's real endpoint and returns the session cookie it sets. */
async function signIn(email: string, password: string): Promise<{ status: number; cookie: string | null }> {
  const response = await runtime.auth.handler(
    new Request('http://localhost:3000/api/auth/sign-in/email', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:3000', host: 'localhost:3000' },
      body: JSON.stringify({ email, password }),
    }),
  )
  const cookie = response.headers.getSetCookie().find((c) => c.includes('session_token'))
  return { status: response.status, cookie: cookie?.split(';')[0] ?? null }
}

describe('demo users and sessions', () => {
  it('every demo user signs in with the printed password and gets an httpOnly session cookie', async () => {
    for (const user of DEMO_USERS) {
      const response = await runtime.auth.handler(
        new Request('http://localhost:3000/api/auth/sign-in/email', {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'http://localhost:3000', host: 'localhost:3000' },
          body: JSON.stringify({ email: user.email, password: user.password }),
        }),
      )
      expect(response.status, user.email).toBe(200)
      const setCookie = response.headers.getSetCookie().join('\n')
      expect(setCookie).toMatch(/session_token=.*HttpOnly/i)
    }
  })

  it('resolves a session cookie to a principal with the user’s role and plants', async () => {
    const { cookie } = await signIn('operator@linetrace.local', 'linetrace-operator')
    const who = await principalFromHeaders(runtime, new Headers({ cookie: cookie! }))
    expect(who).toMatchObject({ kind: 'session', role: 'operator', plants: ['1000', '2000'], label: 'operator@linetrace.local' })
  })

  it('refuses a wrong password and writes no session', async () => {
    const before = await runtime.db.prisma.session.count()
    const { status, cookie } = await signIn('viewer@linetrace.local', 'wrong-password!')
    expect(status).toBe(401)
    expect(cookie).toBeNull()
    expect(await runtime.db.prisma.session.count()).toBe(before)
  })

  it('audits logins', async () => {
    await signIn('viewer@linetrace.local', 'linetrace-viewer')
    const entry = await runtime.db.prisma.auditLog.findFirst({ where: { action: 'auth.login', actorLabel: 'viewer@linetrace.local' } })
    expect(entry).not.toBeNull()
  })
})

describe('user administration', () => {
  it('creates a scoped user who can sign in, audits it, and rejects a duplicate email', async () => {
    const user = await createUser({ db: runtime.db.prisma, principal: admin }, {
      email: 'New.Planner@Example.com',
      name: 'New Planner',
      password: 'a-long-password',
      role: 'viewer',
      plants: ['3000'],
    })
    expect(user).toMatchObject({ email: 'new.planner@example.com', role: 'viewer', plants: ['3000'] })
    expect((await signIn('new.planner@example.com', 'a-long-password')).status).toBe(200)
    expect(await runtime.db.prisma.auditLog.count({ where: { action: 'user.create', targetId: user.id } })).toBe(1)
    await expect(
      createUser({ db: runtime.db.prisma, principal: admin }, { email: 'new.planner@example.com', name: 'x', password: 'a-long-password', role: 'viewer' }),
    ).rejects.toThrow(/already exists/)
  })

  it('rejects unknown plants and short passwords with a clear message', async () => {
    await expect(
      createUser({ db: runtime.db.prisma, principal: admin }, { email: 'a@b.co', name: 'A', password: 'a-long-password', role: 'viewer', plants: ['9999'] }),
    ).rejects.toThrow(/Unknown plant 9999/)
    await expect(createUser({ db: runtime.db.prisma, principal: admin }, { email: 'b@b.co', name: 'B', password: 'short', role: 'viewer' })).rejects.toThrow(
      /at least 10 characters/,
    )
  })

  it('a disabled user loses their sessions and cannot sign in; scope changes are audited with before and after', async () => {
    const user = await createUser({ db: runtime.db.prisma, principal: admin }, { email: 'leaver@example.com', name: 'Leaver', password: 'a-long-password', role: 'operator', plants: ['1000'] })
    const { cookie } = await signIn('leaver@example.com', 'a-long-password')
    await updateUser({ db: runtime.db.prisma, principal: admin }, { id: user.id, change: { plants: ['1000', '1100'] } })
    const scopeAudit = await runtime.db.prisma.auditLog.findFirst({ where: { action: 'user.update', targetId: user.id }, orderBy: { id: 'desc' } })
    expect(scopeAudit?.before).toMatchObject({ plants: ['1000'] })
    expect(scopeAudit?.after).toMatchObject({ plants: ['1000', '1100'] })

    await updateUser({ db: runtime.db.prisma, principal: admin }, { id: user.id, change: { disabled: true } })
    expect(await principalFromHeaders(runtime, new Headers({ cookie: cookie! }))).toBeNull()
    expect((await signIn('leaver@example.com', 'a-long-password')).status).not.toBe(200)
  })
})

describe('API tokens', () => {
  it('authenticates with the token’s user scope, stores only a hash, and stops working once revoked', async () => {
    const viewer = await runtime.db.prisma.user.findUniqueOrThrow({ where: { email: 'viewer@linetrace.local' } })
    const { id, token } = await createApiToken({ db: runtime.db.prisma, principal: admin }, { userId: viewer.id, name: 'report' })
    const stored = await runtime.db.prisma.apiToken.findUniqueOrThrow({ where: { id } })
    expect(stored.tokenHash).not.toContain(token)
    const headers = new Headers({ authorization: `Bearer ${token}` })
    expect(await principalFromHeaders(runtime, headers)).toMatchObject({ kind: 'api_token', role: 'viewer', plants: ['1000'] })
    await revokeApiToken({ db: runtime.db.prisma, principal: admin }, { id })
    expect(await principalFromHeaders(runtime, headers)).toBeNull()
  })

  it('accepts the bootstrap admin token and refuses an unknown bearer token without falling back to cookies', async () => {
    const bootstrap = await principalFromHeaders(runtime, new Headers({ authorization: `Bearer ${runtime.config.adminApiToken}` }))
    expect(bootstrap).toMatchObject({ kind: 'bootstrap_token', role: 'admin', plants: 'all' })
    const { cookie } = await signIn('admin@linetrace.local', 'linetrace-admin')
    expect(await principalFromHeaders(runtime, new Headers({ authorization: 'Bearer lt_forged', cookie: cookie! }))).toBeNull()
  })
})
