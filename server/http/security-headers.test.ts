import type { NextConfig } from 'next'
import { describe, expect, it } from 'vitest'
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

  it('do not restrict scripts or styles, which the console inlines', async () => {
    expect((await configuredHeaders('/'))['content-security-policy']).not.toMatch(/script-src|style-src|default-src/)
  })

  it('ask for HSTS only when the console is served over https', () => {
    expect(strictTransportSecurity('https://linetrace.plant.example')).toBe('max-age=31536000')
    expect(strictTransportSecurity('http://localhost:3000')).toBeNull()
  })
})
