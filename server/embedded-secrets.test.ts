import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { principalFromHeaders } from './auth/principal'
import { EMBEDDED_ADMIN_TOKEN_FILE, embeddedAdminToken } from './embedded-secrets'
import type { Runtime } from './runtime'
import { startTestRuntime } from './testing/runtime'

/** The token every copy of the demo accepted before #18; it is in the README of old releases. */
const PUBLISHED_DEMO_TOKEN = 'lt-demo-admin-token-change-me'

let runtime: Runtime
let stop: () => Promise<void>
beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
})
afterAll(() => stop())

const bearer = (token: string) => new Headers({ authorization: `Bearer ${token}` })

describe('the embedded demo bootstrap token', () => {
  it('refuses the published demo token', async () => {
    expect(await principalFromHeaders(runtime, bearer(PUBLISHED_DEMO_TOKEN))).toBeNull()
  })

  it('is this install’s own: random, kept under DATA_DIR for its owner only, and accepted', async () => {
    const token = runtime.config.adminApiToken!
    expect(token).toMatch(/^lt-bootstrap-[\w-]{32}$/)
    const file = join(runtime.config.env.DATA_DIR, EMBEDDED_ADMIN_TOKEN_FILE)
    expect(readFileSync(file, 'utf8')).toBe(token)
    expect(statSync(file).mode & 0o077).toBe(0)
    expect(await principalFromHeaders(runtime, bearer(token))).toMatchObject({ kind: 'bootstrap_token', role: 'admin' })
  })

  it('survives restarts and differs between installs', () => {
    const other = mkdtempSync(join(tmpdir(), 'linetrace-token-'))
    try {
      const first = embeddedAdminToken(other)
      expect(embeddedAdminToken(other)).toBe(first)
      expect(first).not.toBe(runtime.config.adminApiToken)
    } finally {
      rmSync(other, { recursive: true, force: true })
    }
  })
})
