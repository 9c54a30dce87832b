import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeCtx } from '@/server/services/testing/ctx'
import type { Runtime } from '@/server/runtime'
import { alertRuleInputSchema } from '@/server/domain/alerts'
import { evaluateAlerts } from '@/server/services/alerts/evaluate'
import { acknowledgeAlert } from '@/server/services/alerts/inbox'
import { createRule } from '@/server/services/alerts/rules'
import { insertOpenDeadLetter } from '@/server/services/testing/alerts'
import { createApiToken } from '@/server/services/users/users'
import { startTestRuntime } from '@/server/testing/runtime'
import { makePrincipal } from '@/server/services/testing/principal'
import { GET } from './route'

let runtime: Runtime
let stop: () => Promise<void>
let viewerToken: string
beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
  const prisma = runtime.db.prisma
  const viewer = await prisma.user.findUniqueOrThrow({ where: { email: 'viewer@linetrace.local' } })
  ;({ token: viewerToken } = await createApiToken({ db: prisma, principal: { userId: null, label: 'test' } }, { userId: viewer.id, name: 'rest-test' }))
  // A low dead-letter bound in two plants, each with one open dead letter: two firing alerts.
  for (const plant of ['1000', '2000']) {
    await createRule({ db: prisma, principal: makePrincipal('admin') }, alertRuleInputSchema.parse({ plant, kind: 'dead_letter_backlog', severity: 'critical', params: { maxOpen: 0 } }))
    await insertOpenDeadLetter(prisma, plant, new Date(Date.now() - 60_000))
  }
  await evaluateAlerts(makeCtx({ db: prisma, ch: runtime.clickhouse }))
})
afterAll(() => stop())

const get = (query = '', token?: string) =>
  GET(new Request(`http://localhost/api/v1/alerts${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }))

interface Alert {
  id: string
  plant: string
  state: string
  severity: string
  reason: string
  links: { page: string }[]
}

describe('GET /api/v1/alerts', () => {
  it('answers 401 without a token', async () => {
    expect((await get()).status).toBe(401)
  })

  it('lists firing alerts with severity, plant, the reason in words and numbers, and what explains them', async () => {
    const response = await get('?state=firing', runtime.config.adminApiToken)
    expect(response.status).toBe(200)
    const body = (await response.json()) as { alerts: Alert[]; counts: Record<string, number> }
    expect(body.alerts.map((a) => a.plant).sort()).toEqual(['1000', '2000'])
    expect(body.alerts[0]).toMatchObject({ state: 'firing', severity: 'critical', links: [{ page: 'exceptions' }] })
    expect(body.alerts.find((a) => a.plant === '2000')!.reason).toBe('1 open dead letter in plant 2000 (bound 0); oldest 1 min old')
    expect(body.counts).toEqual({ firing: 2, acknowledged: 0, resolved: 0 })
  })

  it('scopes a viewer to its plants and answers 403 outside them', async () => {
    const own = (await (await get('', viewerToken)).json()) as { alerts: Alert[] }
    expect(own.alerts.map((a) => a.plant)).toEqual(['1000'])
    expect((await get('?plant=2000', viewerToken)).status).toBe(403)
  })

  it('filters by state: an acknowledged alert moves from firing to acknowledged', async () => {
    const prisma = runtime.db.prisma
    const firing = (await (await get('?plant=2000&state=firing', runtime.config.adminApiToken)).json()) as { alerts: Alert[] }
    await acknowledgeAlert(makeCtx({ db: prisma }, makePrincipal('operator', ['2000'])), { id: firing.alerts[0]!.id, comment: 'period opens at 10:00, replaying then' })
    const acked = (await (await get('?state=acknowledged', runtime.config.adminApiToken)).json()) as { alerts: Alert[] }
    expect(acked.alerts.map((a) => a.plant)).toEqual(['2000'])
    const stillFiring = (await (await get('?state=firing', runtime.config.adminApiToken)).json()) as { alerts: Alert[] }
    expect(stillFiring.alerts.map((a) => a.plant)).toEqual(['1000'])
  })

  it('answers 400 naming the parameter for an unknown state', async () => {
    const response = await get('?state=firing,exploded', runtime.config.adminApiToken)
    expect(response.status).toBe(400)
    const detail = (await response.json()).error.details[0]
    expect(detail).toEqual({ param: 'state.1', message: 'must be a comma-separated list of firing, acknowledged, resolved' })
  })
})
