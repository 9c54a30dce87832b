import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '@/server/runtime'
import { startTestRuntime } from '@/server/testing/runtime'
import { GET, POST } from './route'

/** POST /api/v1/alert-channels with ALERT_WEBHOOK_ALLOW set: a URL outside it is a 400 naming the host. */

let runtime: Runtime
let stop: () => Promise<void>
beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime({ ALERT_WEBHOOK_ALLOW: 'hooks.slack.com,10.20.0.0/16' }))
})
afterAll(() => stop())

const post = (body: unknown) =>
  POST(
    new Request('http://localhost/api/v1/alert-channels', {
      method: 'POST',
      headers: { authorization: `Bearer ${runtime.config.adminApiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  )

describe('POST /api/v1/alert-channels', () => {
  it('refuses a URL outside ALERT_WEBHOOK_ALLOW with 400 and saves nothing; accepts one inside', async () => {
    const refused = await post({ name: 'erp probe', kind: 'webhook', url: 'http://10.9.0.4:8000/sap/bc/admin' })
    expect(refused.status).toBe(400)
    expect((await refused.json()).error).toEqual({
      code: 'BAD_REQUEST',
      message: 'url: host 10.9.0.4 is not allowed for alert channels: ALERT_WEBHOOK_ALLOW lists hooks.slack.com, 10.20.0.0/16.',
    })
    const created = await post({ name: 'ops slack', kind: 'slack', url: 'https://hooks.slack.com/services/T0/B0/secret' })
    expect(created.status).toBe(201)
    const list = await GET(new Request('http://localhost/api/v1/alert-channels', { headers: { authorization: `Bearer ${runtime.config.adminApiToken}` } }))
    expect(((await list.json()) as { channels: { name: string }[] }).channels.map((c) => c.name)).toEqual(['ops slack'])
  })
})
