import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../runtime'
import { startTestRuntime } from '../testing/runtime'
import { createAuth, type Auth } from './auth'
import { CLIENT_ADDRESS_HEADER } from './client-address'
import { SIGN_IN_LIMITS } from './sign-in-limits'
import { makeServedHeaders } from './testing/served-headers'

let runtime: Runtime
let stop: () => Promise<void>
beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
})
afterAll(() => stop())

const ORIGIN = 'http://localhost:3000'
const admin = { email: 'admin@linetrace.local', password: 'linetrace-admin' }
const operator = { email: 'operator@linetrace.local', password: 'linetrace-operator' }
const viewer = { email: 'viewer@linetrace.local', password: 'linetrace-viewer' }

/** A sign-in through better-auth's real handler. */
function signIn(body: { email: string; password: string }, headers: Headers = makeServedHeaders('127.0.0.1'), auth: Auth = runtime.auth, origin = ORIGIN) {
  headers.set('content-type', 'application/json')
  headers.set('origin', origin)
  headers.set('host', new URL(origin).host)
  return auth.handler(new Request(`${origin}/api/auth/sign-in/email`, { method: 'POST', headers, body: JSON.stringify(body) }))
}

/** Statuses of wrong-password attempts, one per set of headers, stopping at the first 429. */
async function guess(account: string, attempts: Headers[]): Promise<number[]> {
  const statuses: number[] = []
  for (const headers of attempts) {
    statuses.push((await signIn({ email: account, password: 'not-the-password' }, headers)).status)
    if (statuses.at(-1) === 429) break
  }
  return statuses
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

describe('password guessing', () => {
  it('hits 429 within 25 attempts even with a different spoofed X-Forwarded-For on each', async () => {
    // The connection's address as scripts/serve.ts passes it on, and the spoofed header left in
    // (the server drops it too, but the limiter must not depend on that).
    const spoofed = (i: number) => new Headers({ [CLIENT_ADDRESS_HEADER]: '203.0.113.7', 'x-forwarded-for': `10.9.${i >> 8}.${i & 255}` })
    const statuses = await guess(admin.email, range(60).map(spoofed))
    expect(statuses.at(-1)).toBe(429)
    expect(statuses.length).toBeLessThanOrEqual(25)
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true)
    // The limit holds for the right password too, from that address: it is that account's.
    expect((await signIn(admin, makeServedHeaders('203.0.113.7'))).status).toBe(429)
  })

  it('behind a trusted proxy, keys on the client the proxy saw, not on what the client wrote left of it', async () => {
    const proxy = ['10.0.0.5']
    const viaProxy = (client: string, spoofed: string) => makeServedHeaders('10.0.0.5', { 'x-forwarded-for': `${spoofed}, ${client}` }, proxy)
    const statuses = await guess(operator.email, range(60).map((i) => viaProxy('198.51.100.3', `10.9.0.${i}`)))
    expect(statuses.at(-1)).toBe(429)
    expect(statuses.length).toBeLessThanOrEqual(25)
    // Another client behind the same proxy is someone else.
    expect((await signIn(operator, viaProxy('198.51.100.4', '10.9.0.1'))).status).toBe(200)
  })

  it('does not let one person behind a shared (NAT) address lock out the others', async () => {
    const plantNat = () => makeServedHeaders('192.0.2.10')
    const statuses = await guess(viewer.email, range(30).map(plantNat))
    expect(statuses).toHaveLength(SIGN_IN_LIMITS.perAccountAndAddress + 1)
    expect(statuses.at(-1)).toBe(429)
    for (const colleague of [admin, operator]) expect((await signIn(colleague, plantNat())).status, colleague.email).toBe(200)
    // …and the guessed account itself still signs in from elsewhere.
    expect((await signIn(viewer, makeServedHeaders('192.0.2.11'))).status).toBe(200)
  })

  it('caps attempts from one address across accounts', async () => {
    const statuses: number[] = []
    for (const i of range(SIGN_IN_LIMITS.perAddress + 5)) {
      statuses.push((await signIn({ email: `nobody-${i}@linetrace.local`, password: 'not-the-password' }, makeServedHeaders('192.0.2.20'))).status)
      if (statuses.at(-1) === 429) break
    }
    expect(statuses).toHaveLength(SIGN_IN_LIMITS.perAddress + 1)
    expect(statuses.at(-1)).toBe(429)
    // Each refused attempt hashes a password (no timing hint that the account does not exist): on
    // two loaded cores that many hashes take longer than the default minute.
  }, 240_000)

  it('audits a login with the connection’s address, not a spoofed X-Forwarded-For', async () => {
    const response = await signIn(admin, makeServedHeaders('203.0.113.50', { 'x-forwarded-for': '6.6.6.6' }))
    expect(response.status).toBe(200)
    const login = await runtime.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'auth.login' }, orderBy: { id: 'desc' } })
    expect(login.ip).toBe('203.0.113.50')
  })
})

describe('session cookies', () => {
  it('are Secure when the console is reached over https (PUBLIC_URL)', async () => {
    const origin = 'https://linetrace.plant.example'
    const auth = createAuth(runtime.db.prisma, { secret: 's'.repeat(32), publicUrl: origin })
    const response = await signIn(admin, makeServedHeaders('127.0.0.2'), auth, origin)
    expect(response.status).toBe(200)
    const session = response.headers.getSetCookie().find((c) => c.includes('session_token'))
    expect(session).toMatch(/^__Secure-/)
    expect(session).toMatch(/;\s*Secure/i)
  })

  it('are not Secure on a plain-http console, where browsers would drop them', async () => {
    const response = await signIn(admin, makeServedHeaders('127.0.0.3'))
    expect(response.status).toBe(200)
    const session = response.headers.getSetCookie().find((c) => c.includes('session_token'))
    expect(session).toMatch(/^better-auth\.session_token=/)
    expect(session).not.toMatch(/;\s*Secure/i)
  })
})
