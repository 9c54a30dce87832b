import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { makeCtx } from '../testing/ctx'
import type { ClickHouse } from '../../clickhouse/client'
import { chInsert } from '../../clickhouse/exec'
import { migrateClickHouse } from '../../clickhouse/migrate'
import { openTestClickHouse } from '../../clickhouse/testing'
import type { Db } from '../../db/client'
import { freshDb, TEST_ENGINES } from '../../db/testing'
import { alertRuleInputSchema } from '../../domain/alerts'
import { makePrincipal } from '../testing/principal'
import { evaluateAlerts } from './evaluate'
import { listAlerts } from './inbox'
import { createRule } from './rules'
import { onboardPlants } from './template'
import {
  COUNTED,
  EARLY_ONLY,
  MIN,
  insertOpenDeadLetter,
  insertPlant,
  failed,
  lastMondayNoon,
  requested,
  succeeded,
  makeTxnRows,
} from '../testing/alerts'

/**
 * Every rule kind fires and resolves on crafted data, on real chDB rollups and both Postgres
 * engines: the evaluator is called with explicit times, the data sits at known offsets from them.
 */

const NOW = lastMondayNoon()
const at = (minutes: number) => new Date(NOW.getTime() + minutes * MIN)
const admin = makePrincipal('admin')

let engineCh: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
beforeAll(async () => {
  engineCh = openTestClickHouse('alerts-eval')
  ch = engineCh.ch
  await migrateClickHouse(ch)
})
afterAll(() => engineCh.dispose())

describe.each(TEST_ENGINES)('alert rules on %s', (engine) => {
  let db: Db
  let lag: number | null = null
  beforeAll(async () => {
    db = await freshDb(engine)
  })
  afterAll(() => db?.close())
  // Every evaluation runs every enabled rule: each test's rules retire when it ends.
  afterEach(async () => {
    await db.prisma.alertRule.updateMany({ data: { enabled: false } })
    lag = null
  })

  /** Plant codes unique per engine (both share one ClickHouse). */
  const code = (name: string) => `${engine === 'pglite' ? 'G' : 'P'}${name}`
  // These tests are about each kind's condition: fire and resolve at once unless a test says otherwise
  // (the default hysteresis has its own tests, hysteresis.test.ts).
  const rule = (input: Record<string, unknown>) =>
    createRule({ db: db.prisma, principal: admin }, alertRuleInputSchema.parse({ forMinutes: 0, keepFiringMinutes: 0, ...input }))
  const evaluate = async (now: Date) => {
    const summary = await evaluateAlerts(makeCtx({ db: db.prisma, ch }), { now, ingestLag: () => lag })
    expect(summary.errors, 'no rule failed to evaluate').toEqual([])
    return summary
  }
  const episodes = (ruleId: string) => db.prisma.alertEpisode.findMany({ where: { ruleId }, orderBy: { startedAt: 'asc' } })
  const insert = (rows: object[]) => chInsert(ch, { table: 'hop_events', rows })

  it('no_posting: fires when a line posts nothing for N minutes in its shift, says so in words, resolves when postings resume', async () => {
    const plant = code('NP')
    await insertPlant(db.prisma, plant, 'Europe/Berlin')
    const r = await rule({ plant, kind: 'no_posting', flow: 'goods_movement', line: 'L03', severity: 'critical', params: { minutes: 30 } })
    await insert([
      // Line L03 posted 45 min ago; line L04 posted 5 min ago, which does not count for L03.
      ...makeTxnRows({ plant, flow: 'goods_movement', line: 'L03', origin: at(-45), hops: [COUNTED, requested(0.1), succeeded(0.2)] }),
      ...makeTxnRows({ plant, flow: 'goods_movement', line: 'L04', origin: at(-5), hops: [COUNTED, requested(0.1), succeeded(0.2)] }),
    ])

    await evaluate(NOW)
    let [e] = await episodes(r.id)
    expect(e).toMatchObject({ state: 'firing', value: 30, threshold: 30, unit: 'min' })
    // 12:00 UTC is 13:00 in Berlin: the Early shift.
    expect(e!.reason).toBe(`No goods-movement posting from plant ${plant} line L03 for 30 min during Early shift (rule: 30 min)`)
    expect(e!.links).toContainEqual(expect.objectContaining({ page: 'exceptions', plant, flow: 'goods_movement' }))

    await evaluate(at(2))
    ;[e] = await episodes(r.id)
    expect(e!.reason).toContain('for 32 min')

    await insert(makeTxnRows({ plant, flow: 'goods_movement', line: 'L03', origin: at(3), hops: [COUNTED, requested(0.1), succeeded(0.2)] }))
    await evaluate(at(5))
    const all = await episodes(r.id)
    expect(all).toHaveLength(1)
    expect(all[0]).toMatchObject({ state: 'resolved', openKey: null, resolvedAt: at(5) })
  })

  it('no_posting: silent outside shift hours, judged by the plant’s own time zone', async () => {
    const plant = code('NPIN')
    // Kolkata, Early shift 06:00–14:00 IST: at 12:00 UTC it is 17:30 there.
    await insertPlant(db.prisma, plant, 'Asia/Kolkata', EARLY_ONLY)
    const r = await rule({ plant, kind: 'no_posting', flow: 'production_confirmation', severity: 'critical', params: { minutes: 30 } })
    // Machines report (Linetrace observes the plant), but nothing is confirmed.
    await insert(makeTxnRows({ plant, flow: 'equipment_state', origin: at(-400), hops: [{ type: 'shopfloor.equipment_state_changed', hop: 'machine', at: 0 }] }))
    await evaluate(NOW)
    expect(await episodes(r.id)).toEqual([])
    // 07:00 UTC is 12:30 in Kolkata: inside the shift, and nothing was posted.
    await evaluate(at(-300))
    const [e] = await episodes(r.id)
    expect(e).toMatchObject({ state: 'firing' })
    expect(e!.reason).toBe(`No production-confirmation posting from plant ${plant} for 30 min during Early shift (rule: 30 min)`)
  })

  it('no_posting: a plant Linetrace was not observing when the window began is not judged (no alarm at first start)', async () => {
    const plant = code('NPNEW')
    await insertPlant(db.prisma, plant, 'Europe/Berlin')
    const r = await rule({ plant, kind: 'no_posting', flow: 'goods_movement', severity: 'critical', params: { minutes: 30 } })
    // First telemetry 10 min ago, inside the window.
    await insert(makeTxnRows({ plant, flow: 'goods_movement', origin: at(-10), hops: [COUNTED, requested(0.1), failed(0.2)] }))
    await evaluate(NOW)
    expect(await episodes(r.id)).toEqual([])
    // 30 min after the first telemetry, still no posting: now it fires.
    await evaluate(at(21))
    expect(await episodes(r.id)).toMatchObject([{ state: 'firing', value: 30 }])
  })

  it('kpi_sla: pending until the condition held for `for` minutes, then firing; a pending episode that clears never becomes an alert', async () => {
    const plant = code('KP')
    await insertPlant(db.prisma, plant)
    for (let i = 0; i < 12; i++)
      await insert(makeTxnRows({ plant, flow: 'production_confirmation', origin: at(-30 + i), hops: [COUNTED, requested(0.1), failed(0.2)] }))
    const slow = await rule({ plant, kind: 'kpi_sla', severity: 'warning', forMinutes: 2, params: { kpi: 'first_pass_success', windowMinutes: 60, minSamples: 10 } })
    const patient = await rule({ plant, kind: 'kpi_sla', severity: 'info', forMinutes: 10, params: { kpi: 'first_pass_success', windowMinutes: 60, minSamples: 10 } })

    await evaluate(NOW)
    expect((await episodes(slow.id)).map((e) => e.state)).toEqual(['pending'])
    expect((await listAlerts({ db: db.prisma, scope: [plant] }, {})).items, 'pending episodes are not alerts yet').toEqual([])
    await evaluate(at(1))
    expect((await episodes(slow.id)).map((e) => e.state)).toEqual(['pending'])
    await evaluate(at(2))
    const [e] = await episodes(slow.id)
    expect(e).toMatchObject({ state: 'firing', startedAt: NOW, firedAt: at(2), value: 0, threshold: 98, unit: '%' })
    expect(e!.reason).toBe(`First-pass posting success in plant ${plant} is 0.0 % over the last 60 min (SLA ≥ 98.0 %, 12 transactions)`)
    expect((await episodes(patient.id)).map((x) => x.state)).toEqual(['pending'])

    // An hour later the window holds no transaction: no verdict, the condition is clear.
    await evaluate(at(120))
    expect((await episodes(slow.id)).map((x) => x.state)).toEqual(['resolved'])
    expect(await episodes(patient.id), 'the pending episode was dropped').toEqual([])
  })

  it('kpi_sla: E2E p95 against each flow’s own SLA; flow "*" reports the flow that misses it', async () => {
    const plant = code('KE')
    await insertPlant(db.prisma, plant)
    await db.prisma.slaTarget.create({ data: { plantCode: plant, flow: 'goods_movement', kpi: 'e2e_latency_p95', target: 60, unit: 's' } })
    for (let i = 0; i < 10; i++) {
      // Both flows post after 2 min: within the default 5-min SLA, beyond goods_movement's 60 s.
      await insert(makeTxnRows({ plant, flow: 'goods_movement', origin: at(-30 - i), hops: [COUNTED, requested(1), succeeded(2)] }))
      await insert(makeTxnRows({ plant, flow: 'production_confirmation', origin: at(-30 - i), hops: [COUNTED, requested(1), succeeded(2)] }))
    }
    const r = await rule({ plant, kind: 'kpi_sla', severity: 'warning', params: { kpi: 'e2e_latency_p95', windowMinutes: 60, minSamples: 5 } })
    await evaluate(NOW)
    const [e] = await episodes(r.id)
    expect(e).toMatchObject({ state: 'firing', value: 120, threshold: 60, unit: 's' })
    expect(e!.reason).toBe(`E2E posting latency p95 of goods-movement in plant ${plant} is 2 min over the last 60 min (SLA ≤ 60 s, 10 transactions)`)
  })

  it('dead_letter_backlog: fires on the count, resolves when dead letters close, fires again on the age of the oldest', async () => {
    const plant = code('DL')
    await insertPlant(db.prisma, plant)
    const r = await rule({ plant, kind: 'dead_letter_backlog', severity: 'warning', params: { maxOpen: 2, maxOldestAgeMinutes: 120 } })
    const dls = await Promise.all([1, 2, 3].map(() => insertOpenDeadLetter(db.prisma, plant, at(-10))))
    await evaluate(NOW)
    let all = await episodes(r.id)
    expect(all).toMatchObject([{ state: 'firing', value: 3, threshold: 2, unit: 'count' }])
    expect(all[0]!.reason).toBe(`3 open dead letters in plant ${plant} (bound 2); oldest 10 min old`)

    await db.prisma.deadLetter.updateMany({ where: { id: { in: [dls[0]!.id, dls[1]!.id] } }, data: { status: 'resolved' } })
    await evaluate(at(1))
    expect((await episodes(r.id)).map((e) => e.state)).toEqual(['resolved'])

    await insertOpenDeadLetter(db.prisma, plant, at(-200))
    await evaluate(at(2))
    all = await episodes(r.id)
    expect(all.map((e) => e.state)).toEqual(['resolved', 'firing'])
    expect(all[1]).toMatchObject({ value: 202, threshold: 120, unit: 'min' })
  })

  it('keep-firing: a firing alert whose condition clears resolves only after it stayed clear that long', async () => {
    const plant = code('KF')
    await insertPlant(db.prisma, plant)
    const r = await rule({ plant, kind: 'dead_letter_backlog', severity: 'warning', keepFiringMinutes: 3, params: { maxOpen: 0 } })
    const dl = await insertOpenDeadLetter(db.prisma, plant, at(-1))
    await evaluate(NOW)
    await db.prisma.deadLetter.update({ where: { id: dl.id }, data: { status: 'resolved' } })
    await evaluate(at(1))
    expect(await episodes(r.id)).toMatchObject([{ state: 'firing', clearedSince: at(1) }])
    // It comes back within the keep-firing time: the same episode, the clock starts over.
    const again = await insertOpenDeadLetter(db.prisma, plant, at(2))
    await evaluate(at(2))
    expect(await episodes(r.id)).toMatchObject([{ state: 'firing', clearedSince: null }])
    await db.prisma.deadLetter.update({ where: { id: again.id }, data: { status: 'discarded' } })
    await evaluate(at(3))
    await evaluate(at(5))
    expect((await episodes(r.id)).map((e) => e.state)).toEqual(['firing'])
    await evaluate(at(6))
    expect(await episodes(r.id)).toMatchObject([{ state: 'resolved', resolvedAt: at(6) }])
  })

  it('stuck_transactions: fires while a posting transaction is past its flow SLA, not before its extra minutes, resolves when it posts', async () => {
    const plant = code('ST')
    await insertPlant(db.prisma, plant)
    const cid = `STUCK-${plant}`
    await insert(makeTxnRows({ plant, flow: 'production_confirmation', origin: at(-20), cid, hops: [COUNTED] }))
    const any = await rule({ plant, kind: 'stuck_transactions', severity: 'critical', params: {} })
    const late = await rule({ plant, kind: 'stuck_transactions', severity: 'critical', params: { stuckForMinutes: 30 } })
    await evaluate(NOW)
    const [e] = await episodes(any.id)
    expect(e).toMatchObject({ state: 'firing', value: 1, threshold: 1 })
    expect(e!.reason).toBe(`1 stuck transaction in plant ${plant}: no posting within the flow SLA (5 min), oldest started 20 min ago`)
    expect(e!.links).toEqual([expect.objectContaining({ page: 'traces', plant, status: ['stuck'] })])
    expect(await episodes(late.id), '20 min is not beyond SLA + 30 min').toEqual([])

    const posting = makeTxnRows({ plant, flow: 'production_confirmation', origin: at(-20), cid, hops: [succeeded(20.5)] })
    await insert(posting.map((row) => ({ ...row, event_id: `${cid}-posted` })))
    await evaluate(at(1))
    expect((await episodes(any.id)).map((x) => x.state)).toEqual(['resolved'])
  })

  it('ingest_freshness: fires when the plant’s newest event is too old or the consumer lags; a plant never heard of stays silent', async () => {
    const plant = code('FR')
    const silent = code('FR0')
    await insertPlant(db.prisma, plant)
    await insertPlant(db.prisma, silent)
    await insert(makeTxnRows({ plant, flow: 'equipment_state', origin: at(-6), hops: [{ type: 'shopfloor.equipment_state_changed', hop: 'machine', at: 1 }] }))
    const stale = await rule({ plant, kind: 'ingest_freshness', severity: 'critical', params: { maxFreshnessSeconds: 60 } })
    const lagging = await rule({ plant: silent, kind: 'ingest_freshness', severity: 'warning', params: { maxFreshnessSeconds: 60, maxLag: 100 } })

    await evaluate(NOW)
    const [e] = await episodes(stale.id)
    expect(e).toMatchObject({ state: 'firing', value: 300, threshold: 60, unit: 's' })
    expect(e!.reason).toBe(`No telemetry from plant ${plant} for 5 min (bound 60 s)`)
    expect(await episodes(lagging.id)).toEqual([])

    lag = 500
    await insert(makeTxnRows({ plant, flow: 'equipment_state', origin: at(0.5), hops: [{ type: 'shopfloor.equipment_state_changed', hop: 'machine', at: 0 }] }))
    await evaluate(at(1))
    expect((await episodes(stale.id)).map((x) => x.state)).toEqual(['resolved'])
    const [l] = await episodes(lagging.id)
    expect(l).toMatchObject({ state: 'firing', value: 500, threshold: 100, unit: 'records' })
    expect(l!.reason).toContain('ingest consumer lag 500 records (bound 100)')
  })

  it('a silence holds the notification back until it ends; a maintenance window raises no alert at all', async () => {
    const plant = code('SI')
    const quiet = code('MA')
    await insertPlant(db.prisma, plant)
    await insertPlant(db.prisma, quiet)
    const channel = await db.prisma.alertChannel.create({
      data: { name: 'ops', kind: 'webhook', url: 'http://127.0.0.1:9/never-called', urlHint: 'http://127.0.0.1:9/…', severities: ['critical'], plants: [plant, quiet] },
    })
    await insertOpenDeadLetter(db.prisma, plant, at(-5))
    await insertOpenDeadLetter(db.prisma, quiet, at(-5))
    const r = await rule({ plant, kind: 'dead_letter_backlog', severity: 'critical', params: { maxOpen: 0 } })
    const m = await rule({ plant: quiet, kind: 'dead_letter_backlog', severity: 'critical', params: { maxOpen: 0 } })
    await db.prisma.alertSilence.createMany({
      data: [
        { plantCode: plant, kind: 'silence', startsAt: at(-1), endsAt: at(10), reason: 'known, fixing', createdBy: 'test' },
        { plantCode: quiet, kind: 'maintenance', startsAt: at(-1), endsAt: at(60), reason: 'ERP upgrade', createdBy: 'test' },
      ],
    })
    const deliveries = (event: string) => db.prisma.alertDelivery.count({ where: { channelId: channel.id, event: event as 'firing' } })

    await evaluate(NOW)
    expect(await episodes(r.id)).toMatchObject([{ state: 'firing', firingNotified: false }])
    expect(await deliveries('firing')).toBe(0)
    expect(await episodes(m.id), 'maintenance: not evaluated').toEqual([])

    await evaluate(at(5))
    expect(await deliveries('firing')).toBe(0)
    await evaluate(at(11))
    expect(await episodes(r.id)).toMatchObject([{ state: 'firing', firingNotified: true }])
    expect(await deliveries('firing')).toBe(1)
    // Evaluations while it keeps firing queue nothing more.
    await evaluate(at(12))
    await evaluate(at(13))
    expect(await deliveries('firing')).toBe(1)
  })

  it('onboarding gives a discovered plant the default rule set from its SLA targets, once', async () => {
    const plant = code('NEW')
    // As the ingest pipeline registers a plant it sees in telemetry.
    await db.prisma.plant.create({ data: { code: plant, name: `Plant ${plant}`, timeZone: 'UTC', shiftCalendar: [], discovered: true } })
    await db.prisma.slaTarget.create({ data: { plantCode: plant, flow: '*', kpi: 'dead_lettered_backlog', target: 5, unit: 'count' } })
    expect(await onboardPlants(db.prisma)).toContain(plant)
    const rules = await db.prisma.alertRule.findMany({ where: { plantCode: plant }, orderBy: [{ kind: 'asc' }, { flow: 'asc' }] })
    expect(rules.map((r) => `${r.kind}:${r.flow}`).sort()).toEqual(
      [
        'dead_letter_backlog:*',
        'ingest_freshness:*',
        'kpi_sla:*',
        'kpi_sla:*',
        'no_posting:goods_movement',
        'no_posting:production_confirmation',
        'stuck_transactions:*',
      ].sort(),
    )
    expect(rules.every((r) => r.fromTemplate && r.enabled)).toBe(true)
    expect(rules.find((r) => r.kind === 'dead_letter_backlog')!.params).toEqual({ maxOpen: 5, maxOldestAgeMinutes: 24 * 60 })
    expect(rules.find((r) => r.kind === 'no_posting')!.params).toEqual({ minutes: 30 })
    // Stuck must persist one flow SLA (5 min) before paging, and be gone as long before resolving.
    expect(rules.find((r) => r.kind === 'stuck_transactions')).toMatchObject({ forMinutes: 5, keepFiringMinutes: 5 })
    expect(rules.every((r) => r.keepFiringMinutes >= 5), 'every default rule resolves after a quiet spell').toBe(true)

    await db.prisma.alertRule.delete({ where: { id: rules[0]!.id } })
    expect(await onboardPlants(db.prisma)).not.toContain(plant)
    expect(await db.prisma.alertRule.count({ where: { plantCode: plant } }), 'a deleted rule stays deleted').toBe(6)
  })
})
