import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chInsert } from '@/server/clickhouse/exec'
import { SYNC_KPIS } from '@/server/domain/kpis'
import type { Runtime } from '@/server/runtime'
import { createApiToken } from '@/server/services/users/users'
import { startTestRuntime } from '@/server/testing/runtime'
import { GET } from './route'

let runtime: Runtime
let stop: () => Promise<void>
let viewerToken: string
const now = Date.now()
beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
  const viewer = await runtime.db.prisma.user.findUniqueOrThrow({ where: { email: 'viewer@linetrace.local' } })
  ;({ token: viewerToken } = await createApiToken({ db: runtime.db.prisma, principal: { userId: null, label: 'test' } }, { userId: viewer.id, name: 'rest-test' }))
  // Plant 1000: one posted transaction (40 s), one stuck one (source event 2 h ago, no posting).
  const origin = new Date(now - 2 * 3_600_000).toISOString()
  const ev = (id: string, cid: string, type: string, hop: string, atMs: number, extra: object = {}) => ({
    event_id: id,
    event_type: type,
    occurred_at: new Date(Date.parse(origin) + atMs).toISOString(),
    origin_time: origin,
    correlation_id: cid,
    flow: 'production_confirmation',
    hop,
    status: 'ok',
    plant: '1000',
    line: 'L1',
    ...extra,
  })
  await chInsert(runtime.clickhouse, {
    table: 'hop_events',
    rows: [
      ev('r1', 'rest-a', 'shopfloor.production_counted', 'machine', 0),
      ev('r2', 'rest-a', 'erp.posting_requested', 'erp', 10_000, { attempt: 1 }),
      ev('r3', 'rest-a', 'erp.posting_succeeded', 'erp', 40_000, { attempt: 1, erp_document: 'D-1' }),
      ev('r4', 'rest-b', 'shopfloor.production_counted', 'machine', 0),
    ],
  })
})
afterAll(() => stop())

function get(query = '', token?: string) {
  return GET(new Request(`http://localhost/api/v1/kpis${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }))
}

interface Body {
  from: string
  to: string
  plants: Array<{
    plant: string
    health: string
    reasons: Array<{ text: string }>
    kpis: Array<{ id: string; value: number | null; target: { value: number } | null; status: string; samples: number; reason?: string }>
  }>
}

describe('GET /api/v1/kpis', () => {
  it('answers 401 without a token', async () => {
    expect((await get('?plant=1000')).status).toBe(401)
  })

  it('returns every sync-health KPI with its target for the plant and window', async () => {
    const from = new Date(now - 6 * 3_600_000).toISOString()
    const to = new Date(now).toISOString()
    const response = await get(`?plant=1000&from=${from}&to=${to}`, runtime.config.adminApiToken)
    expect(response.status).toBe(200)
    const body = (await response.json()) as Body
    expect(body.from).toBe(from)
    expect(body.plants.map((p) => p.plant)).toEqual(['1000'])
    const kpis = new Map(body.plants[0]!.kpis.map((k) => [k.id, k]))
    for (const id of SYNC_KPIS) expect(kpis.has(id), `KPI ${id} missing`).toBe(true)
    // One posted transaction: the value is there, a verdict is not (docs/kpis.md, minimum samples).
    expect(kpis.get('e2e_latency_p95')).toMatchObject({ value: 40, target: { value: 300 }, status: 'few', samples: 1, reason: 'too few transactions (1)' })
    expect(kpis.get('first_pass_success')).toMatchObject({ value: 100, target: { value: 98 }, status: 'few', reason: 'too few transactions (1)' })
    // A stuck transaction is evidence by itself.
    expect(kpis.get('stuck_transactions')).toMatchObject({ value: 1, target: { value: 0 }, status: 'miss' })
    expect(kpis.get('dead_lettered_backlog')).toMatchObject({ value: 0, target: { value: 50 } })
    expect(body.plants[0]!.health).toBe('red')
    const reasons = body.plants[0]!.reasons.map((r) => r.text)
    expect(reasons[0]).toMatch(/^Stuck transactions 1 vs ≤ 0 target/)
    // Judged on one transaction, E2E latency and first-pass success are no reason either way.
    expect(reasons.join('\n')).not.toMatch(/E2E posting latency|First-pass/)
    // Counts without equipment states: no OEE, availability or performance, and why; quality from the counts alone.
    for (const id of ['oee', 'availability', 'performance'])
      expect(kpis.get(id), id).toMatchObject({ value: null, reason: 'no equipment state events in this range' })
  })

  it('scopes a viewer token to its plants: all of them without `plant`, 403 outside', async () => {
    const own = (await (await get('?range=24h', viewerToken)).json()) as Body
    expect(own.plants.map((p) => p.plant)).toEqual(['1000'])
    const outside = await get('?plant=2000', viewerToken)
    expect(outside.status).toBe(403)
    expect((await outside.json()).error.message).toContain('not in your plants')
  })

  it('answers 400 naming the parameter for bad input', async () => {
    const bad = await get(`?plant=1000&from=yesterday&to=${encodeURIComponent(new Date().toISOString())}`, runtime.config.adminApiToken)
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.details[0].param).toBe('from')
    const half = await get('?plant=1000&from=2026-11-30T00:00:00Z', runtime.config.adminApiToken)
    expect(half.status).toBe(400)
    const injection = await get(`?plant=${encodeURIComponent("1000' OR 1=1 --")}`, runtime.config.adminApiToken)
    expect(injection.status).toBe(400)
  })
})
