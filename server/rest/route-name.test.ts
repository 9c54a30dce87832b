import { describe, expect, it } from 'vitest'
import { routeName } from './handler'

describe('routeName', () => {
  it('names a request by its method and path pattern: parameter values become [name]', () => {
    expect(routeName(new Request('http://x/api/v1/replays/42/pause', { method: 'POST' }), { id: '42', action: 'pause' })).toBe('POST /api/v1/replays/[id]/[action]')
    expect(routeName(new Request('http://x/api/v1/traces/a%20b?t=1'), { correlationId: 'a b' })).toBe('GET /api/v1/traces/[correlationId]')
    expect(routeName(new Request('http://x/api/v1/traces?q=1'), {})).toBe('GET /api/v1/traces')
  })
})
