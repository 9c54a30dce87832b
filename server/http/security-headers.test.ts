import type { NextConfig } from 'next'
import { NextRequest } from 'next/server'
import { describe, expect, it } from 'vitest'
import { config as proxyConfig, proxy } from '../../proxy'
import { strictTransportSecurity } from './strict-transport'

/** The headers next.config.js gives every response, read from the config Next.js loads. */
async function configuredHeaders(path: string): Promise<Record<string, string>> {
  const { default: config } = (await import(new URL('../../next.config.js', import.meta.url).href)) as { default: NextConfig }
  const rules = (await config.headers?.()) ?? []
  const matching = rules.filter((rule) => rule.source === '/:path*' || rule.source === path)
  return Object.fromEntries(matching.flatMap((rule) => rule.headers.map((h) => [h.key.toLowerCase(), h.value])))
}

describe('security headers', () => {
  it('forbid framing, MIME sniffing, foreign form targets and plugins on every page', async () => {
    for (const path of ['/', '/login', '/api/v1/plants']) {
      const headers = await configuredHeaders(path)
      const csp = headers['content-security-policy'] ?? ''
      for (const directive of ["frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "object-src 'none'"])
        expect(csp, `${path}: ${directive}`).toContain(directive)
      expect(headers['x-frame-options']).toBe('DENY')
      expect(headers['x-content-type-options']).toBe('nosniff')
      expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin')
    }
  })

  it('leave scripts to the per-page policy: the static one has no script-src, so it needs no nonce', async () => {
    expect((await configuredHeaders('/'))['content-security-policy']).not.toMatch(/script-src|default-src/)
  })

  it('give every page a policy whose scripts need a fresh nonce, passed on to Next.js', () => {
    const policies = [1, 2].map(() => {
      const response = proxy(new NextRequest('http://localhost:3000/'))
      const csp = response.headers.get('content-security-policy') ?? ''
      const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1]
      expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}' 'strict-dynamic'/)
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/)
      // NextResponse.next({ request: { headers } }): the headers the page renders with.
      expect(response.headers.get('x-middleware-request-x-nonce')).toBe(nonce)
      expect(response.headers.get('x-middleware-request-content-security-policy')).toBe(csp)
      return nonce
    })
    expect(policies[0]).not.toBe(policies[1])
  })

  it('run the proxy for pages, not for API routes (whose bodies it would hold) or static chunks', () => {
    const source = new RegExp(`^${proxyConfig.matcher[0]!.source}$`)
    for (const page of ['/', '/login', '/traces/abc', '/plants/1000']) expect(source.test(page), page).toBe(true)
    for (const other of ['/api/trpc/me.get', '/api/auth/sign-in/email', '/_next/static/chunks/a.js']) expect(source.test(other), other).toBe(false)
  })

  it('ask for HSTS only when the console is served over https', () => {
    expect(strictTransportSecurity('https://linetrace.plant.example')).toBe('max-age=31536000')
    expect(strictTransportSecurity('http://localhost:3000')).toBeNull()
  })
})
