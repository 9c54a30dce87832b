import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeTransport, getTransport } from '@/server/bus'
import type { Runtime } from '@/server/runtime'
import { createApiToken } from '@/server/services/users/users'
import { startTestRuntime } from '@/server/testing/runtime'
import { POST } from './route'

let runtime: Runtime
let stop: () => Promise<void>
const tokens: Record<'ingest' | 'plain', string> = { ingest: '', plain: '' }
beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
  const viewer = await runtime.db.prisma.user.findUniqueOrThrow({ where: { email: 'viewer@linetrace.local' } })
  const ctx = { db: runtime.db.prisma, principal: { userId: null, label: 'test' } }
  tokens.ingest = (await createApiToken(ctx, { userId: viewer.id, name: 'otel', scopes: ['ingest'] })).token
  tokens.plain = (await createApiToken(ctx, { userId: viewer.id, name: 'report' })).token
})
afterAll(async () => {
  await closeTransport()
  await stop()
})

const SPANS = JSON.stringify({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders-hub' } }] },
      scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'send', kind: 4, startTimeUnixNano: '1', endTimeUnixNano: '2' }] }],
    },
  ],
})

function post(token?: string, body = SPANS) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  return POST(new Request('http://localhost/api/otlp/v1/traces', { method: 'POST', headers, body }))
}

async function recordsInTopic(): Promise<number> {
  const transport = getTransport(runtime.config)
  if (!(await transport.listTopics()).includes(runtime.config.env.OTLP_TOPIC)) return 0
  return (await transport.endOffsets(runtime.config.env.OTLP_TOPIC)).reduce((n, p) => n + Number(p.end), 0)
}

describe('POST /api/otlp/v1/traces', () => {
  it('refuses requests without a token (401) and tokens without the ingest scope (403)', async () => {
    expect((await post()).status).toBe(401)
    expect((await post('lt_not-a-real-token')).status).toBe(401)
    const refused = await post(tokens.plain)
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { message: string }).message).toMatch(/ingest/)
    expect(await recordsInTopic()).toBe(0)
  })

  it('writes the spans of an ingest token or the bootstrap token to the OTLP topic before answering 200', async () => {
    const accepted = await post(tokens.ingest)
    expect(accepted.status).toBe(200)
    expect(accepted.headers.get('content-type')).toBe('application/json')
    expect(await recordsInTopic()).toBe(1)
    expect((await post(runtime.config.adminApiToken)).status).toBe(200)
    expect(await recordsInTopic()).toBe(2)
  })

  it('answers an unreadable body with 400 and a message', async () => {
    const bad = await post(tokens.ingest, '{"resourceSpans": 7}')
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { message: string }).message).not.toBe('')
  })
})
