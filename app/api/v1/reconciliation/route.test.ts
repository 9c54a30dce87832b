import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertHopEvents } from '@/server/clickhouse/testing/hour-stats-events'
import { makeReconEvents } from '@/server/clickhouse/testing/recon-events'
import type { Runtime } from '@/server/runtime'
import { createApiToken } from '@/server/services/users/users'
import { startTestRuntime } from '@/server/testing/runtime'
import { GET as exportCsv } from './export/route'
import { GET as reconcile } from './route'

/**
 * GET /api/v1/reconciliation and its CSV export on real chDB + PGlite: the differences of crafted
 * events with their correlation ids, paging, 400s naming bad parameters, and the plant scope.
 */

const HOUR = 3_600_000
const NOW = Date.now()
let runtime: Runtime
let stop: () => Promise<void>
let admin: string
let viewerToken: string

const req = (path: string, token = admin) => new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${token}` } })
const window = `from=${new Date(NOW - 5 * HOUR).toISOString()}&to=${new Date(NOW + 60_000).toISOString()}`
async function get(query: string, token = admin) {
  const res = await reconcile(req(`/api/v1/reconciliation?${query}`, token))
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { items: Array<Record<string, unknown>>; next_cursor: string | null } }
}

beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
  admin = runtime.config.adminApiToken ?? ''
  const viewer = await runtime.db.prisma.user.findUniqueOrThrow({ where: { email: 'viewer@linetrace.local' } })
  ;({ token: viewerToken } = await createApiToken({ db: runtime.db.prisma, principal: { userId: null, label: 'test' } }, { userId: viewer.id, name: 'recon-test' }))
  const { events, resent } = makeReconEvents({ plant: '1000', t0: new Date(NOW - 4 * HOUR) })
  await insertHopEvents(runtime.clickhouse, events)
  await insertHopEvents(runtime.clickhouse, [resent])
}, 180_000)
afterAll(() => stop())

describe('GET /api/v1/reconciliation', () => {
  it('lists the differences with their correlation ids, and the summary on the first page', async () => {
    const { status, body } = await get(`plant=1000&${window}`, viewerToken)
    expect(status).toBe(200)
    expect(new Map(body.items.map((i) => [i.correlationId, i.kinds]))).toEqual(
      new Map([
        ['rc-stale', ['never_posted']],
        ['rc-late', ['posted_late']],
        ['rc-short', ['quantity_differs']],
        ['rc-twice', ['posted_twice', 'quantity_differs']],
        ['rc-missing', ['never_posted']],
      ]),
    )
    expect(body.items.find((i) => i.correlationId === 'rc-short')).toMatchObject({ sourceQty: 40, erpQty: 38, documents: ['4900000005'] })
    expect(body.totals).toMatchObject({ transactions: 9, never_posted: 2, posted_twice: 1, quantity_differs: 2, posted_late: 1, in_flight: 1 })
    expect(body.time_zone).toBe('Europe/Berlin')
  })

  it('filters by kind and flow, and pages with the cursor', async () => {
    const never = await get(`plant=1000&${window}&kind=never_posted&flow=production_confirmation`)
    expect(never.body.items.map((i) => i.correlationId)).toEqual(['rc-missing'])
    const first = await get(`plant=1000&${window}&limit=2`)
    expect(first.body.items).toHaveLength(2)
    const second = await get(`plant=1000&${window}&limit=2&cursor=${first.body.next_cursor}`)
    expect(second.body.items.map((i) => i.correlationId)).toEqual(['rc-short', 'rc-twice'])
    expect(second.body.totals).toBeUndefined()
  })

  it('refuses bad parameters with 400 naming them', async () => {
    for (const [query, param] of [
      [`${window}`, 'plant'],
      [`plant=1000&${window}&kind=lost`, 'kind'],
      [`plant=1000&${window}&flow=quality_hold`, 'flow'],
      [`plant=1000&${window}&limit=0`, 'limit'],
      [`plant=1000&from=yesterday&to=today`, 'from'],
      [`plant=1000&from=${new Date(NOW).toISOString()}`, 'from'],
      [`plant=1000&from=${new Date(NOW).toISOString()}&to=${new Date(NOW - HOUR).toISOString()}`, 'to'],
    ] as const) {
      const { status, body } = await get(query)
      expect(status, query).toBe(400)
      expect(JSON.stringify(body), query).toContain(param)
    }
    expect((await get(`plant=1000&${window}&cursor=garbage`)).status).toBe(400)
    expect((await get(`plant=1000&from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z`)).status).toBe(400)
  })

  it('keeps a viewer to its plants: another plant is 403, no token is 401', async () => {
    expect((await get(`plant=2000&${window}`, viewerToken)).status).toBe(403)
    expect((await reconcile(new Request(`http://localhost/api/v1/reconciliation?plant=1000`))).status).toBe(401)
    const res = await exportCsv(req(`/api/v1/reconciliation/export?plant=2000&${window}`, viewerToken))
    expect(res.status).toBe(403)
  })
})

describe('GET /api/v1/reconciliation/export', () => {
  it('streams the differences as CSV', async () => {
    const res = await exportCsv(req(`/api/v1/reconciliation/export?plant=1000&${window}&kind=never_posted`, viewerToken))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/csv')
    const lines = (await res.text()).trim().split('\n')
    expect(lines[0]).toBe('correlation_id,origin_time,flow,work_order,kinds,source_qty,erp_qty,erp_documents,first_posted_at,delay_ms,sla_ms,parked')
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['rc-stale', 'rc-missing'])
  })
})
