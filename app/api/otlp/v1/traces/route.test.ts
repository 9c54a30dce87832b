import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { otlpRecordSource } from '@/ingest/otlp/source'
import { createTelemetryPipeline } from '@/ingest/telemetry/pipeline'
import { closeTransport, getTransport } from '@/server/bus'
import { waitFor } from '@/server/bus/testing'
import { logger } from '@/server/logger'
import type { Runtime } from '@/server/runtime'
import { createApiToken } from '@/server/services/users/users'
import { startTestRuntime } from '@/server/testing/runtime'
import { GET as searchTraces } from '../../../v1/traces/route'
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
  const topic = runtime.config.env.OTLP_TOPIC
  // Read rather than summed end offsets: a new local bus's offsets do not begin at 0 (server/bus/local.ts).
  const held = await Promise.all((await transport.endOffsets(topic)).map((p) => transport.readPartition(topic, p.partition, '0', p.end)))
  return held.reduce((n, records) => n + records.length, 0)
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

it('embedded, end to end: spans posted to the console become a transaction found by GET /api/v1/traces?key=work_order:…', async () => {
  const transport = getTransport(runtime.config)
  const pipeline = createTelemetryPipeline({ source: otlpRecordSource(runtime.config), transport, clickhouse: runtime.clickhouse, prisma: runtime.db.prisma, config: runtime.config, logger })
  await pipeline.start()
  try {
    const now = BigInt(Date.now()) * 1_000_000n
    const attribute = (key: string, value: string) => ({ key, value: { stringValue: value } })
    const span = (spanId: string, kind: number, operation: string, parentSpanId?: string) => ({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId,
      ...(parentSpanId && { parentSpanId }),
      name: `${operation} orders`,
      kind,
      startTimeUnixNano: String(now - 5_000_000n),
      endTimeUnixNano: String(now),
      attributes: [attribute('messaging.system', 'kafka'), attribute('messaging.operation.type', operation), attribute('linetrace.work_order', '155000000777')],
    })
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [attribute('service.name', 'orders-hub'), attribute('linetrace.plant', '1000')] },
          scopeSpans: [{ spans: [span('b7ad6b7169203331', 4, 'send'), span('c7ad6b7169203332', 5, 'process', 'b7ad6b7169203331')] }],
        },
      ],
    })
    expect((await post(tokens.ingest, body)).status).toBe(200)
    const found = await waitFor('the transaction found by work order', async () => {
      const response = await searchTraces(
        new Request('http://localhost/api/v1/traces?key=work_order:155000000777', { headers: { authorization: `Bearer ${runtime.config.adminApiToken}` } }),
      )
      const result = (await response.json()) as { items: { correlation_id: string; plant: string }[] }
      return result.items.length > 0 ? result.items : undefined
    })
    expect(found).toEqual([expect.objectContaining({ correlation_id: '0af7651916cd43dd8448eb211c80319c', plant: '1000' })])
  } finally {
    await pipeline.stop()
  }
})
