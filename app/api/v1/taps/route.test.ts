import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getTransport } from '@/server/bus'
import { uniqueTopic } from '@/server/bus/testing'
import type { Runtime } from '@/server/runtime'
import { createApiToken } from '@/server/services/users/users'
import { startTestRuntime } from '@/server/testing/runtime'
import { POST as action } from './[name]/[action]/route'
import { POST as preview } from './[name]/preview/route'
import { DELETE, GET as getOne, PUT } from './[name]/route'
import { GET, POST } from './route'

/** The taps API as a script uses it: create (running by default), list, change, preview, pause handling, delete. */

let runtime: Runtime
let stop: () => Promise<void>
let admin: string
let viewerToken: string
let topic: string
beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
  admin = runtime.config.adminApiToken!
  const viewer = await runtime.db.prisma.user.findUniqueOrThrow({ where: { email: 'viewer@linetrace.local' } })
  ;({ token: viewerToken } = await createApiToken({ db: runtime.db.prisma, principal: { userId: null, label: 'test' } }, { userId: viewer.id, name: 'rest-test' }))
  topic = uniqueTopic('erp-acks')
  const bus = getTransport(runtime.config)
  await bus.ensureTopics([{ name: topic, partitions: 1 }])
  await (await bus.producer()).send(topic, [
    { value: JSON.stringify({ DOCNUM: 'D-1', AUFNR: 'WO-1', STATUS: '53' }) },
    { value: JSON.stringify({ DOCNUM: 'D-2', AUFNR: 'WO-2', STATUS: '51', MESSAGE: 'Order WO-2 is locked by user KRAUS' }) },
  ])
}, 120_000)
afterAll(() => stop?.())

type Handler = (r: Request, context?: { params?: Promise<Record<string, string>> }) => Promise<Response>
const send = (handler: Handler, path: string, method: string, { body, token = admin, params = {} }: { body?: unknown; token?: string; params?: Record<string, string> } = {}) =>
  handler(
    new Request(`http://localhost/api/v1/taps${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
    { params: Promise.resolve(params) },
  )

const acks = (name: string) => ({
  name,
  topic,
  mapping: {
    correlation_id: '$.DOCNUM',
    event_type: '$.STATUS = "53" ? "erp.posting_succeeded" : "erp.posting_failed"',
    flow: { value: 'production_confirmation' },
    hop: { value: 'erp' },
    plant: { value: '1000' },
    status: '$.STATUS = "53" ? "ok" : "error"',
    error_text: '$.MESSAGE',
    business: { work_order: '$.AUFNR' },
  },
})

describe('/api/v1/taps', () => {
  it('answers 401 without a token and 403 to a viewer', async () => {
    expect((await send(GET, '', 'GET', { token: '' })).status).toBe(401)
    const refused = await send(POST, '', 'POST', { body: acks('viewer-tap'), token: viewerToken })
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('needs the admin role')
  })

  it('creates a running tap by default, a stopped one on request, and lists both', async () => {
    const created = await send(POST, '', 'POST', { body: acks('acks-running') })
    expect(created.status).toBe(201)
    expect(((await created.json()) as { tap: { enabled: boolean } }).tap.enabled).toBe(true)
    const stopped = await send(POST, '', 'POST', { body: { ...acks('acks-stopped'), enabled: false } })
    expect(((await stopped.json()) as { tap: { enabled: boolean } }).tap.enabled).toBe(false)
    expect(await runtime.db.prisma.auditLog.count({ where: { action: 'tap.create', targetId: { in: ['acks-running', 'acks-stopped'] } } })).toBe(2)

    const list = (await (await send(GET, '', 'GET')).json()) as { taps: { name: string; enabled: boolean; origin: string }[] }
    expect(list.taps.filter((t) => t.name.startsWith('acks-')).map((t) => [t.name, t.enabled, t.origin])).toEqual([
      ['acks-running', true, 'database'],
      ['acks-stopped', false, 'database'],
    ])
  })

  it('answers 400 naming the field for a bad definition, 409 for a duplicate', async () => {
    const bad = await send(POST, '', 'POST', { body: { ...acks('acks-bad'), mapping: { ...acks('x').mapping, hop: '' } } })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe('The tap was not created: Hop (mapping.hop): an expression cannot be empty.')
    const notBoolean = await send(POST, '', 'POST', { body: { ...acks('acks-bad'), enabled: 'yes' } })
    expect(notBoolean.status).toBe(400)
    expect((await send(POST, '', 'POST', { body: acks('acks-running') })).status).toBe(409)
  })

  it('changes, enables, disables and deletes a tap by name; 404 for an unknown one', async () => {
    await send(POST, '', 'POST', { body: { ...acks('acks-edit'), enabled: false } })
    const put = await send(PUT, '/acks-edit', 'PUT', { params: { name: 'acks-edit' }, body: { ...acks('acks-edit'), start: 'latest' } })
    expect(put.status).toBe(200)
    expect(((await put.json()) as { tap: { definition: { start: string } } }).tap.definition.start).toBe('latest')
    for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
      const res = await send(action, `/acks-edit/${verb}`, 'POST', { params: { name: 'acks-edit', action: verb } })
      expect(((await res.json()) as { tap: { enabled: boolean } }).tap.enabled).toBe(enabled)
    }
    expect((await send(action, '/acks-edit/explode', 'POST', { params: { name: 'acks-edit', action: 'explode' } })).status).toBe(400)
    expect((await send(getOne, '/acks-edit', 'GET', { params: { name: 'acks-edit' } })).status).toBe(200)
    expect((await send(DELETE, '/acks-edit', 'DELETE', { params: { name: 'acks-edit' } })).status).toBe(200)
    expect((await send(getOne, '/acks-edit', 'GET', { params: { name: 'acks-edit' } })).status).toBe(404)
    expect((await send(PUT, '/nope', 'PUT', { params: { name: 'nope' }, body: acks('nope') })).status).toBe(404)
  })

  it('resumes a tap the worker paused, and answers 409 when it is not paused', async () => {
    await send(POST, '', 'POST', { body: acks('acks-paused') })
    await runtime.db.prisma.tapStatus.create({ data: { name: 'acks-paused', origin: 'database', state: 'paused', pausedReason: 'too many failures' } })
    const resumed = await send(action, '/acks-paused/resume', 'POST', { params: { name: 'acks-paused', action: 'resume' } })
    expect(((await resumed.json()) as { tap: { status: { pausedReason: string | null } } }).tap.status.pausedReason).toBeNull()
    expect((await send(action, '/acks-paused/resume', 'POST', { params: { name: 'acks-paused', action: 'resume' } })).status).toBe(409)
  })

  it('previews a saved tap and an unsaved definition: the error acknowledgement becomes a failed posting', async () => {
    const saved = await send(preview, '/acks-stopped/preview', 'POST', { params: { name: 'acks-stopped' } })
    expect(saved.status).toBe(200)
    const body = (await saved.json()) as { rows: { record: { value: string }; mapping: { ok: boolean; event: Record<string, unknown> } }[] }
    expect(body.rows.map((r) => r.mapping.event.correlation_id)).toEqual(['D-2', 'D-1'])
    expect(body.rows[0]!.mapping.event).toMatchObject({ event_type: 'erp.posting_failed', status: 'error', error: { text: 'Order WO-2 is locked by user KRAUS' } })

    const unsaved = await send(preview, '/draft/preview', 'POST', { params: { name: 'draft' }, body: { definition: { ...acks('draft'), mapping: { ...acks('draft').mapping, correlation_id: '$.NOPE' } }, limit: 1 } })
    const rows = ((await unsaved.json()) as { rows: { missing: string[] }[] }).rows
    expect(rows).toHaveLength(1)
    expect(rows[0]!.missing).toEqual(['correlation_id'])
    expect((await send(preview, '/acks-stopped/preview', 'POST', { params: { name: 'acks-stopped' }, body: { limit: 101 } })).status).toBe(400)
  })
})
