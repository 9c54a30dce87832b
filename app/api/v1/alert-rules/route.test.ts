import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '@/server/runtime'
import { onboardPlants } from '@/server/services/alerts/template'
import { createApiToken } from '@/server/services/users/users'
import { startTestRuntime } from '@/server/testing/runtime'
import { POST as postChannel } from '../alert-channels/route'
import { PATCH } from './[id]/route'
import { GET, POST } from './route'

/** The rules API as automation uses it: list the default sets, add a rule, change it, add a channel. */

let runtime: Runtime
let stop: () => Promise<void>
let admin: string
let viewerToken: string
beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
  admin = runtime.config.adminApiToken!
  const viewer = await runtime.db.prisma.user.findUniqueOrThrow({ where: { email: 'viewer@linetrace.local' } })
  ;({ token: viewerToken } = await createApiToken({ db: runtime.db.prisma, principal: { userId: null, label: 'test' } }, { userId: viewer.id, name: 'rest-test' }))
  // What the worker does at start.
  await onboardPlants(runtime.db.prisma)
})
afterAll(() => stop())

const auth = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {})
const get = (query = '', token?: string) => GET(new Request(`http://localhost/api/v1/alert-rules${query}`, { headers: auth(token) }))
type Handler = (r: Request, context?: { params?: Promise<Record<string, string>> }) => Promise<Response>
/** Calls a route handler as Next.js does, with the dynamic segment (`[id]`) as params. */
const send = (handler: Handler, path: string, method: string, body: unknown, token?: string) =>
  handler(
    new Request(`http://localhost${path}`, {
      method,
      headers: { ...auth(token), 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
    { params: Promise.resolve(idParam(path)) },
  )
const idParam = (path: string): Record<string, string> => {
  const id = /^\/api\/v1\/alert-rules\/([^/?]+)/.exec(path)?.[1]
  return id ? { id: decodeURIComponent(id) } : {}
}

interface Rule {
  id: string
  plant: string
  kind: string
  flow: string
  name: string
  params: Record<string, unknown>
  fromTemplate: boolean
}

describe('GET /api/v1/alert-rules', () => {
  it('answers 401 without a token', async () => {
    expect((await get()).status).toBe(401)
  })

  it('lists a default rule set for every demo plant', async () => {
    const response = await get('', admin)
    expect(response.status).toBe(200)
    const { rules } = (await response.json()) as { rules: Rule[] }
    const plants = [...new Set(rules.map((r) => r.plant))]
    expect(plants).toEqual(['1000', '1100', '2000', '2100', '3000'])
    for (const plant of plants) {
      const kinds = rules.filter((r) => r.plant === plant && r.fromTemplate).map((r) => r.kind)
      expect(new Set(kinds), `plant ${plant}`).toEqual(new Set(['kpi_sla', 'dead_letter_backlog', 'stuck_transactions', 'ingest_freshness', 'no_posting']))
    }
  })

  it('scopes a viewer to its plants and answers 403 outside them', async () => {
    const { rules } = (await (await get('', viewerToken)).json()) as { rules: Rule[] }
    expect(new Set(rules.map((r) => r.plant))).toEqual(new Set(['1000']))
    const outside = await get('?plant=2000', viewerToken)
    expect(outside.status).toBe(403)
    expect((await outside.json()).error.message).toContain('not in your plants')
  })
})

describe('POST and PATCH /api/v1/alert-rules', () => {
  it('creates a rule for an admin (201), derives its name, and refuses a viewer', async () => {
    const body = { plant: '2000', kind: 'dead_letter_backlog', severity: 'critical', params: { maxOpen: 0 } }
    expect((await send(POST, '/api/v1/alert-rules', 'POST', body, viewerToken)).status).toBe(403)
    const response = await send(POST, '/api/v1/alert-rules', 'POST', body, admin)
    expect(response.status).toBe(201)
    const { rule } = (await response.json()) as { rule: Rule }
    expect(rule).toMatchObject({ plant: '2000', kind: 'dead_letter_backlog', flow: '*', params: { maxOpen: 0 }, fromTemplate: false, name: 'Dead letters: more than 0 open' })
    const listed = (await (await get('?plant=2000', admin)).json()) as { rules: Rule[] }
    expect(listed.rules.map((r) => r.id)).toContain(rule.id)
  })

  it('answers 400 naming the field for invalid parameters or JSON, 404 for an unknown plant', async () => {
    const bad = await send(POST, '/api/v1/alert-rules', 'POST', { plant: '2000', kind: 'no_posting', severity: 'warning', params: { minutes: 2 } }, admin)
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.message).toContain('params.minutes: minutes must be at least 5')
    const kind = await send(POST, '/api/v1/alert-rules', 'POST', { plant: '2000', kind: 'bogus', severity: 'warning' }, admin)
    expect((await kind.json()).error.message).toContain('kind must be one of')
    const json = await send(POST, '/api/v1/alert-rules', 'POST', '{not json', admin)
    expect(json.status).toBe(400)
    expect((await json.json()).error.message).toContain('must be JSON')
    const unknown = await send(POST, '/api/v1/alert-rules', 'POST', { plant: '9999', kind: 'stuck_transactions', severity: 'info' }, admin)
    expect(unknown.status).toBe(404)
  })

  it('PATCH merges parameters, keeps the kind, re-derives a derived name, and validates', async () => {
    const created = (await (await send(POST, '/api/v1/alert-rules', 'POST', { plant: '1000', kind: 'no_posting', flow: 'goods_movement', severity: 'warning', params: { minutes: 30 } }, admin)).json()) as { rule: Rule }
    const id = created.rule.id
    const response = await send(PATCH, `/api/v1/alert-rules/${id}`, 'PATCH', { params: { minutes: 45 }, severity: 'critical', line: 'L03' }, admin)
    expect(response.status).toBe(200)
    const { rule } = (await response.json()) as { rule: Rule & { severity: string; line: string } }
    expect(rule).toMatchObject({ id, kind: 'no_posting', params: { minutes: 45 }, severity: 'critical', line: 'L03', name: 'No goods-movement posting for 45 min during shifts (line L03)' })
    const invalid = await send(PATCH, `/api/v1/alert-rules/${id}`, 'PATCH', { params: { minutes: 'soon' } }, admin)
    expect(invalid.status).toBe(400)
    expect((await invalid.json()).error.message).toContain('minutes')
    expect((await send(PATCH, `/api/v1/alert-rules/${crypto.randomUUID()}`, 'PATCH', { enabled: false }, admin)).status).toBe(404)
    expect((await send(PATCH, `/api/v1/alert-rules/${id}`, 'PATCH', { enabled: false }, viewerToken)).status).toBe(403)
    const trail = await runtime.db.prisma.auditLog.findMany({ where: { targetType: 'alert_rule', targetId: id }, orderBy: { id: 'asc' } })
    expect(trail.map((a) => a.action)).toEqual(['alert_rule.create', 'alert_rule.update'])
  })
})

describe('POST /api/v1/alert-channels', () => {
  it('creates a channel and never answers with its URL again', async () => {
    const url = 'https://hooks.slack.com/services/T000/B000/XyZsecretXyZ9'
    expect((await send(postChannel, '/api/v1/alert-channels', 'POST', { name: 'ops', kind: 'slack', url }, viewerToken)).status).toBe(403)
    const response = await send(postChannel, '/api/v1/alert-channels', 'POST', { name: 'ops', kind: 'slack', url, severities: ['critical'] }, admin)
    expect(response.status).toBe(201)
    const text = await response.text()
    expect(text).not.toContain('secret')
    expect(JSON.parse(text).channel).toMatchObject({ name: 'ops', kind: 'slack', urlHint: 'https://hooks.slack.com/…/XyZ9', severities: ['critical'], plants: [] })
    const audit = await runtime.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'alert_channel.create' } })
    expect(JSON.stringify(audit.after)).not.toContain('secret')
    const bad = await send(postChannel, '/api/v1/alert-channels', 'POST', { name: 'x', kind: 'webhook', url: 'ftp://example.com/hook' }, admin)
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.message).toContain('url must be an http(s) URL')
  })
})
