import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../runtime'
import { startTestRuntime } from '../testing/runtime'
import { createAuth, type Auth } from './auth'

let runtime: Runtime
let stop: () => Promise<void>
beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
})
afterAll(() => stop())

/** A sign-in through better-auth's real handler, from the console's own origin. */
function signIn(auth: Auth, origin: string, body: { email: string; password: string }) {
  return auth.handler(
    new Request(`${origin}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin, host: new URL(origin).host },
      body: JSON.stringify(body),
    }),
  )
}

const admin = { email: 'admin@linetrace.local', password: 'linetrace-admin' }

describe('session cookies', () => {
  it('are Secure when the console is reached over https (PUBLIC_URL)', async () => {
    const origin = 'https://linetrace.plant.example'
    const auth = createAuth(runtime.db.prisma, { secret: 's'.repeat(32), publicUrl: origin })
    const response = await signIn(auth, origin, admin)
    expect(response.status).toBe(200)
    const session = response.headers.getSetCookie().find((c) => c.includes('session_token'))
    expect(session).toMatch(/^__Secure-/)
    expect(session).toMatch(/;\s*Secure/i)
  })

  it('are not Secure on a plain-http console, where browsers would drop them', async () => {
    const response = await signIn(runtime.auth, runtime.config.publicUrl, admin)
    expect(response.status).toBe(200)
    const session = response.headers.getSetCookie().find((c) => c.includes('session_token'))
    expect(session).toMatch(/^better-auth\.session_token=/)
    expect(session).not.toMatch(/;\s*Secure/i)
  })
})
