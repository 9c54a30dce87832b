import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '@/server/runtime'
import { startTestRuntime } from '@/server/testing/runtime'
import { createApiToken } from '@/server/services/users/users'
import { GET } from './route'

let runtime: Runtime
let stop: () => Promise<void>
let viewerToken: string
beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
  const viewer = await runtime.db.prisma.user.findUniqueOrThrow({ where: { email: 'viewer@linetrace.local' } })
  ;({ token: viewerToken } = await createApiToken({ db: runtime.db.prisma, principal: { userId: null, label: 'test' } }, { userId: viewer.id, name: 'rest-test' }))
})
afterAll(() => stop())

function get(query = '', token?: string) {
  return GET(new Request(`http://localhost/api/v1/plants${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }))
}

describe('GET /api/v1/plants', () => {
  it('answers 401 with a JSON message without a token', async () => {
    const response = await get()
    expect(response.status).toBe(401)
    expect((await response.json()).error.message).toMatch(/Bearer/)
  })

  it('answers 401 for an unknown token', async () => {
    expect((await get('', 'lt_not-a-real-token')).status).toBe(401)
  })

  it('lists every plant for the bootstrap admin token', async () => {
    const response = await get('', runtime.config.adminApiToken)
    expect(response.status).toBe(200)
    const body = (await response.json()) as { plants: { code: string; timeZone: string }[] }
    expect(body.plants.map((p) => p.code)).toEqual(['1000', '1100', '2000', '2100', '3000'])
    expect(new Set(body.plants.map((p) => p.timeZone)).size).toBeGreaterThanOrEqual(3)
  })

  it('scopes a viewer token to its plants and answers 403 outside them', async () => {
    const own = await get('', viewerToken)
    expect(((await own.json()) as { plants: { code: string }[] }).plants.map((p) => p.code)).toEqual(['1000'])
    const outside = await get('?plant=2000', viewerToken)
    expect(outside.status).toBe(403)
    expect((await outside.json()).error.message).toContain('not in your plants')
  })

  it('does not reveal to a scoped user which plants exist: an unknown plant answers like another’s', async () => {
    const [unknown, others] = await Promise.all([get('?plant=9999', viewerToken), get('?plant=2000', viewerToken)])
    expect([unknown.status, others.status]).toEqual([403, 403])
    expect((await unknown.json()).error).toEqual({ code: 'FORBIDDEN', message: 'Plant 9999 is not in your plants.' })
    expect((await others.json()).error).toEqual({ code: 'FORBIDDEN', message: 'Plant 2000 is not in your plants.' })
    // Who sees every plant may learn that one does not exist.
    const admin = await get('?plant=9999', runtime.config.adminApiToken)
    expect(admin.status).toBe(404)
    expect((await admin.json()).error.message).toBe('Plant 9999 is not known to Linetrace.')
  })

  it('answers 400 naming the parameter for a malformed plant code', async () => {
    const response = await get(`?plant=${encodeURIComponent("1000' OR 1=1 --")}`, runtime.config.adminApiToken)
    expect(response.status).toBe(400)
    expect((await response.json()).error.details[0].param).toBe('plant')
  })
})
