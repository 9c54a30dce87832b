import { TRPCError } from '@trpc/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chInsert } from '../clickhouse/exec'
import type { Principal } from '../domain/permissions'
import type { Runtime } from '../runtime'
import { loadSlaBook } from '../services/sla/book'
import { startTestRuntime } from '../testing/runtime'
import { makePrincipal } from '../services/testing/principal'
import { createCallerFactory } from '../trpc'
import { appRouter } from './app'

let runtime: Runtime
let stop: () => Promise<void>
const caller = (who: Principal) => createCallerFactory(appRouter)({ runtime, principal: who, clientAddress: null })
const admin = makePrincipal('admin')
const viewer = makePrincipal('viewer', ['1000'])

beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
  // Plant 2000: a goods movement whose source event is 20 min old and not posted.
  const origin = new Date(Date.now() - 20 * 60_000).toISOString()
  await chInsert(runtime.clickhouse, {
    table: 'hop_events',
    rows: [{ event_id: 'kr-1', event_type: 'inventory.material_consumed', occurred_at: origin, origin_time: origin, correlation_id: 'kr-a', flow: 'goods_movement', hop: 'machine', status: 'ok', plant: '2000', line: 'L1' }],
  })
})
afterAll(() => stop())

async function code(p: Promise<unknown>) {
  try {
    await p
    return null
  } catch (e) {
    return e instanceof TRPCError ? e.code : String(e)
  }
}

describe('kpis router', () => {
  it('overview: a viewer gets only the tiles of their plants; worst first for an admin', async () => {
    const mine = await caller(viewer).kpis.overview({ range: '1h' })
    expect(mine.tiles.map((t) => t.plant)).toEqual(['1000'])
    const all = await caller(admin).kpis.overview({ range: '1h' })
    expect(all.tiles[0]).toMatchObject({ plant: '2000', health: { health: 'red' } })
    expect(all.tiles[0]!.health.reasons[0]!.text).toContain('Stuck transactions 1')
  })

  it('plant: refuses a plant outside the scope, answers series and breakdowns inside it', async () => {
    expect(await code(caller(viewer).kpis.plant({ plant: '2000', range: '1h' }))).toBe('FORBIDDEN')
    const d = await caller(admin).kpis.plant({ plant: '2000', range: '1h' })
    expect(d.grain).toBe('1m')
    expect(d.series.length).toBeGreaterThanOrEqual(60)
    expect(d.series.reduce((n, p) => n + p.started, 0)).toBe(1)
    expect(d.report.flows.map((f) => f.flow)).toEqual(['goods_movement'])
  })

  it('SLA targets: only admins edit them; audited; stuck detection follows', async () => {
    const operator = makePrincipal('operator', ['2000'])
    expect(await code(caller(operator).kpis.setTarget({ plant: '2000', flow: 'goods_movement', kpi: 'e2e_latency_p95', target: 3600 }))).toBe('FORBIDDEN')
    expect(await code(caller(admin).kpis.setTarget({ plant: '2000', flow: 'goods_movement', kpi: 'first_pass_success', target: 140 }))).toBe('BAD_REQUEST')
    await caller(admin).kpis.setTarget({ plant: '2000', flow: 'goods_movement', kpi: 'e2e_latency_p95', target: 3600 })
    const book = await loadSlaBook(runtime.db.prisma, ['2000'])
    expect(book.flowSlaMs('2000', 'goods_movement')).toBe(3_600_000)
    const audit = await runtime.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'sla_target.set' }, orderBy: { id: 'desc' } })
    expect(audit).toMatchObject({ targetId: '2000|goods_movement|e2e_latency_p95', actorLabel: admin.label })
    // A 20-minute-old transaction is within a 1 h SLA: no longer stuck, the plant no longer red for it.
    const tile = (await caller(admin).kpis.overview({ range: '1h', plants: ['2000'] })).tiles[0]!
    expect(tile.kpis.find((k) => k.id === 'stuck_transactions')!.value).toBe(0)
    const targets = await caller(viewer).kpis.targets({ plant: '1000' })
    expect(targets.find((t) => t.kpi === 'e2e_latency_p95')).toMatchObject({ plant: 300, plantSource: 'plant', flows: [] })
    await caller(admin).kpis.resetTarget({ plant: '2000', flow: 'goods_movement', kpi: 'e2e_latency_p95' })
    // The plant-wide entry ("*") drives the KPI cards' targets.
    await caller(admin).kpis.setTarget({ plant: '2000', flow: '*', kpi: 'first_pass_success', target: 90 })
    const d = await caller(admin).kpis.plant({ plant: '2000', range: '1h' })
    expect(d.report.kpis.find((k) => k.id === 'first_pass_success')!.target).toMatchObject({ value: 90, source: 'plant' })
    expect((await loadSlaBook(runtime.db.prisma, ['2000'])).flowSlaMs('2000', 'goods_movement')).toBe(300_000)
  })
})
