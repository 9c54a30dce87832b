import { expect, test } from '@playwright/test'
import { DEMO, signIn } from './helpers'

/** The console under its strict Content-Security-Policy, as a browser runs it (issue #18 item 9). */

test('pages carry a nonce-based script policy, and the console works under it', async ({ page, request }) => {
  test.setTimeout(180_000)
  const response = await request.get('/')
  expect(response.ok()).toBe(true)
  const csp = response.headers()['content-security-policy'] ?? ''
  expect(csp).toContain("frame-ancestors 'none'")
  const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)' 'strict-dynamic'/.exec(csp)?.[1]
  expect(nonce, csp).toBeTruthy()
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/)
  // Next.js stamped this response's nonce on its scripts; another request gets another nonce.
  expect(await response.text()).toContain(`nonce="${nonce}"`)
  expect((await request.get('/login')).headers()['content-security-policy']).not.toContain(nonce!)

  const violations: string[] = []
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(message.text())) violations.push(message.text())
  })
  await signIn(page, DEMO.admin)
  // A page with charts (inline styles) and client-side navigation.
  await page.goto('/plants/1000')
  await expect(page.getByRole('heading').first()).toBeVisible()
  await expect(page.getByTestId('current-user')).toContainText(DEMO.admin.email)
  expect(violations).toEqual([])

  // Signed in, a text/plain POST riding the cookie is refused (CSRF), even from the console's own page.
  const status = await page.evaluate(async () => {
    const r = await fetch('/api/v1/alert-channels', {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ name: 'csrf-e2e', kind: 'webhook', url: 'https://hooks.example.com/x' }),
    })
    return r.status
  })
  expect(status).toBe(403)
})

test('an unauthenticated 10 MB sign-in body gets 413 JSON', async ({ request }) => {
  const response = await request.post('/api/auth/sign-in/email', {
    headers: { 'content-type': 'application/json' },
    data: JSON.stringify({ email: 'admin@linetrace.local', password: 'x'.repeat(10 * 1024 * 1024) }),
  })
  expect(response.status()).toBe(413)
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE')
})
