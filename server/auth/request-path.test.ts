import { describe, expect, it } from 'vitest'
import { safeNext } from '../domain/safe-next'
import { loginHref, REQUEST_PATH_HEADER, withRequestPath } from './request-path'

describe('the requested path through sign-in', () => {
  it('forwards path and query, overwriting what the client sent', () => {
    const h = withRequestPath(new URL('http://console:3000/traces?q=155031306975&plant=2100&status=posted'), new Headers({ [REQUEST_PATH_HEADER]: '//evil.example/' }))
    expect(h.get(REQUEST_PATH_HEADER)).toBe('/traces?q=155031306975&plant=2100&status=posted')
  })

  it('drops the RSC marker of client navigations', () => {
    expect(withRequestPath(new URL('http://c/traces/abc?t=1&_rsc=x1y2'), new Headers()).get(REQUEST_PATH_HEADER)).toBe('/traces/abc?t=1')
    expect(withRequestPath(new URL('http://c/alerts?_rsc=x1y2'), new Headers()).get(REQUEST_PATH_HEADER)).toBe('/alerts')
  })

  it('carries the deep link as `next`, which the login form accepts back unchanged', () => {
    const href = loginHref('/traces?q=155031306975&plant=2100&status=posted')
    expect(href).toBe('/login?next=%2Ftraces%3Fq%3D155031306975%26plant%3D2100%26status%3Dposted')
    const next = new URL(href, 'http://console:3000').searchParams.get('next')
    expect(safeNext(next, 'http://console:3000')).toBe('/traces?q=155031306975&plant=2100&status=posted')
  })

  it('adds no next for the start page, the login page, or anything that is not a console path', () => {
    for (const requested of [null, undefined, '', '/', '/login', '/login?next=/x', '//evil.example/x', 'https://evil.example/']) expect(loginHref(requested)).toBe('/login')
  })
})
