import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../db/client'
import { freshDb, TEST_ENGINES } from '../../db/testing'
import { ALERT_TIMING_DEFAULTS, alertRuleInputSchema } from '../../domain/alerts'
import { makeCtx } from '../testing/ctx'
import { makePrincipal } from '../testing/principal'
import { insertPlant, lastMondayNoon, MIN } from '../testing/alerts'
import { evaluateAlerts } from './evaluate'
import { createRule } from './rules'
import type { AlertSources } from './sources'

/**
 * Hysteresis on crafted sequences: the evaluator (real Postgres and PGlite, the real state machine
 * and outbox) is fed a stuck-transaction count per evaluation, one evaluation a minute, and the
 * rules are created without timing, so the documented defaults are what is tested. A brief spike
 * pages nobody, a sustained condition pages once, a brief clear keeps the alert, a sustained clear
 * resolves it, and a gap in evaluations (a stopped worker) proves nothing.
 */

const NOW = lastMondayNoon()
const at = (minutes: number) => new Date(NOW.getTime() + minutes * MIN)
const STUCK = ALERT_TIMING_DEFAULTS.stuck_transactions

/** Sources answering only the stuck rule: `count` stuck transactions at every evaluation. */
function stuckSources(count: () => number): AlertSources {
  return {
    kpi: { read: async () => [] },
    deadLetters: async () => ({ open: 0, oldest: null }),
    stuck: async ({ state }) => ({ stuck: count(), oldest: count() ? new Date(state.now.getTime() - 7 * MIN) : null }),
    newestEvent: async () => null,
    observedBefore: async () => true,
    ingestLag: () => null,
    postings: async () => 0,
  }
}

describe.each(TEST_ENGINES)('alert hysteresis on %s', (engine) => {
  let db: Db
  let stuck = 0
  beforeAll(async () => {
    db = await freshDb(engine)
  })
  afterAll(() => db?.close())
  afterEach(() => db.prisma.alertRule.updateMany({ data: { enabled: false } }))

  /** One plant, a channel for its critical alerts and a stuck rule with the default timing. */
  async function setUp(plant: string) {
    await insertPlant(db.prisma, plant)
    const channel = await db.prisma.alertChannel.create({
      data: { name: `ops ${plant}`, kind: 'webhook', url: 'http://127.0.0.1:9/never-called', urlHint: 'http://127.0.0.1:9/…', severities: ['critical'], plants: [plant] },
    })
    const rule = await createRule({ db: db.prisma, principal: makePrincipal('admin') }, alertRuleInputSchema.parse({ plant, kind: 'stuck_transactions', severity: 'critical' }))
    expect(rule).toMatchObject({ forMinutes: STUCK.forMinutes, keepFiringMinutes: STUCK.keepFiringMinutes })
    expect(STUCK.forMinutes, 'the default waits').toBeGreaterThan(1)
    expect(STUCK.keepFiringMinutes, 'the default waits').toBeGreaterThan(1)
    const deliveries = async () => (await db.prisma.alertDelivery.findMany({ where: { channelId: channel.id }, orderBy: { createdAt: 'asc' } })).map((d) => d.event)
    const episodes = () => db.prisma.alertEpisode.findMany({ where: { ruleId: rule.id }, orderBy: { startedAt: 'asc' } })
    return { rule, deliveries, episodes }
  }

  /** Evaluates at each minute of [from, to) with the stuck count the sequence gives for that minute. */
  async function play(from: number, to: number, countAt: (minute: number) => number) {
    for (let m = from; m < to; m++) {
      stuck = countAt(m)
      const summary = await evaluateAlerts(makeCtx({ db: db.prisma }), { now: at(m), sources: stuckSources(() => stuck) })
      expect(summary.errors).toEqual([])
    }
  }

  const code = (name: string) => `${engine === 'pglite' ? 'G' : 'P'}${name}`

  it('a brief spike (one slow transaction, stuck for less than the `for` time) pages nobody', async () => {
    const { deliveries, episodes } = await setUp(code('HB'))
    // Stuck at minutes 2–4 (3 evaluations, less than the 5-min `for`), then posted.
    await play(0, 12, (m) => (m >= 2 && m < 2 + STUCK.forMinutes - 2 ? 1 : 0))
    expect(await episodes(), 'the pending episode was dropped, never an alert').toEqual([])
    expect(await deliveries()).toEqual([])
  })

  it('a sustained condition fires once, after the `for` time; a brief clear keeps it firing; a sustained clear resolves it', async () => {
    const { deliveries, episodes } = await setUp(code('HS'))
    const f = STUCK.forMinutes
    const k = STUCK.keepFiringMinutes
    // Holds from minute 0 …
    await play(0, f, () => 1)
    expect(await episodes()).toMatchObject([{ state: 'pending', startedAt: at(0) }])
    await play(f, f + 10, () => 1)
    expect(await episodes()).toMatchObject([{ state: 'firing', startedAt: at(0), firedAt: at(f) }])
    expect(await deliveries(), 'one page, however long it holds').toEqual(['firing'])

    // … clears for less than the keep-firing time, comes back: the same alert, no second page.
    const t = f + 10
    await play(t, t + k - 1, () => 0)
    expect(await episodes()).toMatchObject([{ state: 'firing', clearedSince: at(t) }])
    await play(t + k - 1, t + k + 3, () => 1)
    expect(await episodes()).toMatchObject([{ state: 'firing', clearedSince: null }])
    expect(await deliveries()).toEqual(['firing'])

    // Clear for the whole keep-firing time: resolved, one resolve notification.
    const c = t + k + 3
    await play(c, c + k, () => 0)
    expect((await episodes()).map((e) => e.state)).toEqual(['firing'])
    await play(c + k, c + k + 1, () => 0)
    expect(await episodes()).toMatchObject([{ state: 'resolved', resolvedAt: at(c + k) }])
    expect(await deliveries()).toEqual(['firing', 'resolved'])
  })

  it('flapping around the bound stays one alert instead of paging at every return', async () => {
    const { deliveries, episodes } = await setUp(code('HF'))
    const f = STUCK.forMinutes
    // Fires, then alternates clear and stuck every two minutes for half an hour.
    await play(0, f + 1, () => 1)
    await play(f + 1, f + 31, (m) => (Math.floor(m / 2) % 2 === 0 ? 0 : 1))
    expect((await episodes()).map((e) => e.state)).toEqual(['firing'])
    expect(await deliveries()).toEqual(['firing'])
  })

  it('evaluations that stopped (a worker restart) do not count as time the condition held or cleared', async () => {
    const { deliveries, episodes } = await setUp(code('HG'))
    const f = STUCK.forMinutes
    await play(0, 2, () => 1)
    // The worker is down for 20 min; at its first evaluation the condition holds again.
    await play(22, 23, () => 1)
    expect(await episodes(), 'pending again, from the first evaluation after the gap').toMatchObject([{ state: 'pending', startedAt: at(22) }])
    await play(23, 22 + f, () => 1)
    expect((await episodes()).map((e) => e.state)).toEqual(['pending'])
    await play(22 + f, 23 + f, () => 1)
    expect((await episodes()).map((e) => e.state)).toEqual(['firing'])

    // Clearing, then a gap: the quiet time before the gap is not counted either.
    const c = 23 + f
    await play(c, c + 2, () => 0)
    await play(c + 40, c + 41, () => 0)
    expect(await episodes()).toMatchObject([{ state: 'firing', clearedSince: at(c + 40) }])
    await play(c + 41, c + 40 + STUCK.keepFiringMinutes + 1, () => 0)
    expect(await episodes()).toMatchObject([{ state: 'resolved', resolvedAt: at(c + 40 + STUCK.keepFiringMinutes) }])
    expect(await deliveries()).toEqual(['firing', 'resolved'])
  })
})
