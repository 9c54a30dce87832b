import { describe, expect, it } from 'vitest'
import { DELETE, GET, POST } from './route'

describe('unknown /api/v1 paths', () => {
  it('answer a JSON 404 in the API’s error shape, whatever the method', async () => {
    for (const [handler, method] of [[GET, 'GET'], [POST, 'POST'], [DELETE, 'DELETE']] as const) {
      const res = handler(new Request('http://console/api/v1/no-such-thing/42?x=1', { method }))
      expect(res.status).toBe(404)
      expect(res.headers.get('content-type')).toContain('application/json')
      expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: `No API route ${method} /api/v1/no-such-thing/42.` } })
    }
  })
})
