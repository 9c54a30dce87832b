import { describe, expect, it } from 'vitest'
import { consoleOrigins, crossOriginRefusal } from './csrf'

const PUBLIC = 'http://localhost:3000'
const post = (headers: Record<string, string>, method = 'POST') => new Request('http://127.0.0.1:3000/api/v1/alert-channels', { method, headers: { host: '127.0.0.1:3000', ...headers } })

describe('CSRF guard for cookie-authenticated requests', () => {
  it('refuses what a page on another origin can send without a preflight', () => {
    expect(crossOriginRefusal(post({ 'content-type': 'text/plain;charset=UTF-8', origin: 'http://127.0.0.1:4401' }), PUBLIC)).toMatch(/application\/json/)
    expect(crossOriginRefusal(post({ origin: 'http://127.0.0.1:4401' }), PUBLIC)).toMatch(/application\/json/)
    expect(crossOriginRefusal(post({ 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1:3000' }), PUBLIC)).toMatch(/application\/json/)
  })

  it('refuses JSON from another origin, a same-site page, an opaque origin or no origin at all', () => {
    const json = { 'content-type': 'application/json' }
    expect(crossOriginRefusal(post({ ...json, origin: 'http://127.0.0.1:4401' }), PUBLIC)).toMatch(/Origin: http:\/\/127.0.0.1:4401/)
    expect(crossOriginRefusal(post({ ...json, origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'same-site' }), PUBLIC)).toMatch(/same-site/)
    expect(crossOriginRefusal(post({ ...json, origin: 'null' }), PUBLIC)).toMatch(/no Origin/)
    expect(crossOriginRefusal(post(json), PUBLIC)).toMatch(/no Origin/)
  })

  it('lets the console through: its own origin (by Host or PUBLIC_URL) or Sec-Fetch-Site: same-origin', () => {
    const json = { 'content-type': 'application/json; charset=utf-8' }
    expect(crossOriginRefusal(post({ ...json, origin: 'http://127.0.0.1:3000' }), PUBLIC)).toBeNull()
    expect(crossOriginRefusal(post({ ...json, origin: 'http://localhost:3000' }), PUBLIC)).toBeNull()
    expect(crossOriginRefusal(post({ ...json, 'sec-fetch-site': 'same-origin' }), PUBLIC)).toBeNull()
    expect(crossOriginRefusal(post({ origin: 'http://evil.example' }, 'GET'), PUBLIC)).toBeNull()
    expect(consoleOrigins(post({}), 'https://linetrace.plant.example/')).toEqual(['https://linetrace.plant.example', 'http://127.0.0.1:3000'])
  })
})
