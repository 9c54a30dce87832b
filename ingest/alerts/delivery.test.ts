import { createServer, type Server } from 'node:http'
import { makeCtx } from '../../server/services/testing/ctx'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../../server/clickhouse/client'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { openTestClickHouse } from '../../server/clickhouse/testing'
import type { Db } from '../../server/db/client'
import { freshDb, TEST_ENGINES } from '../../server/db/testing'
import { alertChannelInputSchema, alertRuleInputSchema } from '../../server/domain/alerts'
import { logger } from '../../server/logger'
import { createChannel, listChannels, queueTestDelivery } from '../../server/services/alerts/channels'
import { evaluateAlerts } from '../../server/services/alerts/evaluate'
import { createRule } from '../../server/services/alerts/rules'
import { insertOpenDeadLetter, insertPlant, lastMondayNoon, MIN } from '../../server/services/testing/alerts'
import { makePrincipal } from '../../server/services/testing/principal'
import { startAlerting } from './alerting'
import { sendDueDeliveries } from './sender'

/**
 * Notifications reach a real local HTTP receiver: exactly one per episode start and one per
 * resolve, retried with backoff after a failed delivery, in the generic, Slack and Teams shapes;
 * the webhook URL never leaves the server. Then the worker's loop does the same on its own, with two
 * workers competing for the lease.
 */

interface Received {
  path: string
  idempotencyKey: string
  body: Record<string, unknown>
  answered: number
}

const PUBLIC_URL = 'https://linetrace.example.com'
const admin = makePrincipal('admin')

let chEngine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
let server: Server
let base: string
const received: Received[] = []
/** Paths that answer 500 the next N times, or a fixed status. */
const failures = new Map<string, number>()
const fixed = new Map<string, number>()

beforeAll(async () => {
  chEngine = openTestClickHouse('alerts-delivery')
  ch = chEngine.ch
  await migrateClickHouse(ch)
  server = createServer((req, res) => {
    let text = ''
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
    req.on('end', () => {
      const path = req.url ?? ''
      const left = failures.get(path) ?? 0
      const status = fixed.get(path) ?? (left > 0 ? 500 : 200)
      if (left > 0) failures.set(path, left - 1)
      received.push({ path, idempotencyKey: String(req.headers['idempotency-key']), body: JSON.parse(text) as Record<string, unknown>, answered: status })
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver says no')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  await chEngine.dispose()
})

/** Accepted (2xx) requests to a path, by event. */
function accepted(path: string) {
  return received.filter((r) => r.path === path && r.answered === 200)
}

async function waitFor<T>(what: string, probe: () => Promise<T> | T, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: T
  for (;;) {
    last = await probe()
    if (ok(last)) return last
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(last)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe.each(TEST_ENGINES)('alert notifications on %s', (engine) => {
  let db: Db
  beforeAll(async () => {
    db = await freshDb(engine)
  })
  afterAll(() => db?.close())
  afterEach(async () => {
    await db.prisma.alertRule.updateMany({ data: { enabled: false } })
    await db.prisma.alertChannel.updateMany({ data: { enabled: false } })
  })
  const code = (name: string) => `${engine === 'pglite' ? 'G' : 'P'}${name}`
  const channel = (name: string, kind: string, path: string, plant: string) =>
    createChannel(makeCtx({ db: db.prisma }, admin), alertChannelInputSchema.parse({ name, kind, url: `${base}${path}`, severities: ['critical'], plants: [plant] }))

  it('one notification per episode start and one per resolve, in three shapes, retried after a 500', async () => {
    const NOW = lastMondayNoon()
    const at = (ms: number) => new Date(NOW.getTime() + ms)
    const plant = code('WH')
    const p = { hook: `/${plant}/hook/T0K3N-secret-abcd`, slack: `/${plant}/services/T00/B00/xyzSECRET`, teams: `/${plant}/workflows/teams-secret` }
    await insertPlant(db.prisma, plant)
    await channel('ops webhook', 'webhook', p.hook, plant)
    await channel('ops slack', 'slack', p.slack, plant)
    await channel('ops teams', 'teams', p.teams, plant)
    const rule = await createRule({ db: db.prisma, principal: admin }, alertRuleInputSchema.parse({ plant, kind: 'dead_letter_backlog', keepFiringMinutes: 0, severity: 'critical', params: { maxOpen: 0 } }))
    const dl = await insertOpenDeadLetter(db.prisma, plant, at(-5 * MIN))
    failures.set(p.hook, 1)
    // A generous request timeout: on a loaded machine a local answer can take seconds, and a
    // timed-out request would (rightly) be retried, which is not what this test is about.
    const send = (now: Date) => sendDueDeliveries({ prisma: db.prisma, publicUrl: PUBLIC_URL, logger, now: () => now, baseDelayMs: 1_000, timeoutMs: 60_000 })

    await evaluateAlerts(makeCtx({ db: db.prisma, ch }), { now: NOW })
    expect(await send(NOW)).toEqual({ sent: 2, retrying: 1, failed: 0 })
    expect(await send(at(500)), 'the failed one waits for its backoff').toEqual({ sent: 0, retrying: 0, failed: 0 })
    expect(await send(at(1_000))).toEqual({ sent: 1, retrying: 0, failed: 0 })

    // Evaluations while it keeps firing notify nobody again.
    await evaluateAlerts(makeCtx({ db: db.prisma, ch }), { now: at(MIN) })
    await evaluateAlerts(makeCtx({ db: db.prisma, ch }), { now: at(2 * MIN) })
    expect(await send(at(2 * MIN))).toEqual({ sent: 0, retrying: 0, failed: 0 })

    await db.prisma.deadLetter.update({ where: { id: dl.id }, data: { status: 'discarded' } })
    await evaluateAlerts(makeCtx({ db: db.prisma, ch }), { now: at(3 * MIN) })
    expect(await send(at(3 * MIN))).toEqual({ sent: 3, retrying: 0, failed: 0 })

    const [episode] = await db.prisma.alertEpisode.findMany({ where: { ruleId: rule.id } })
    for (const path of Object.values(p)) expect(accepted(path).length, `${path}: one firing + one resolved`).toBe(2)
    const hook = accepted(p.hook).map((r) => r.body)
    expect(hook.map((b) => b.event)).toEqual(['firing', 'resolved'])
    expect(hook[0]).toMatchObject({
      schema: 'linetrace.alert/v1',
      alert: { id: episode!.id, state: 'firing', severity: 'critical', plant, rule: { id: rule.id, kind: 'dead_letter_backlog' }, value: 1, threshold: 0, unit: 'count' },
      links: { alert: `${PUBLIC_URL}/alerts?alert=${episode!.id}` },
    })
    expect((hook[0]!.alert as { reason: string }).reason).toBe(`1 open dead letter in plant ${plant} (bound 0); oldest 5 min old`)
    expect((hook[0]!.links as { explain: { url: string }[] }).explain[0]!.url).toBe(`${PUBLIC_URL}/exceptions?plant=${plant}&status=new%2Ctriaged%2Cfailed_again`)
    expect(hook[1]).toMatchObject({ event: 'resolved', alert: { state: 'resolved' } })
    // The retry carried the same idempotency key as the failed attempt.
    const hookAttempts = received.filter((r) => r.path === p.hook && (r.body as { event: string }).event === 'firing')
    expect(hookAttempts.map((r) => r.answered)).toEqual([500, 200])
    expect(new Set(hookAttempts.map((r) => r.idempotencyKey)).size).toBe(1)

    const slack = accepted(p.slack)[0]!.body as { text: string; blocks: { type: string }[] }
    expect(slack.text).toContain(`FIRING [critical] plant ${plant}`)
    expect(slack.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context'])
    const teams = accepted(p.teams)[0]!.body as { type: string; attachments: { contentType: string; content: { type: string; actions: { url: string }[] } }[] }
    expect(teams.type).toBe('message')
    expect(teams.attachments[0]).toMatchObject({ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } })
    expect(teams.attachments[0]!.content.actions[0]!.url).toBe(`${PUBLIC_URL}/alerts?alert=${episode!.id}`)

    const deliveries = await db.prisma.alertDelivery.findMany({ where: { episodeId: episode!.id }, include: { channel: true } })
    expect(deliveries.find((d) => d.channel.name === 'ops webhook' && d.event === 'firing')).toMatchObject({ status: 'sent', attempts: 2, lastStatus: 200, lastError: null })
    // Saved URLs are never shown again: no view carries them.
    const views = JSON.stringify(await listChannels({ db: db.prisma }))
    expect(views).not.toContain('secret')
    expect(views).toContain(`"urlHint":"${base}/…/abcd"`)
  })

  it('a 4xx answer fails the delivery at once with the receiver’s words; a dead receiver is retried with its URL kept out of the error', async () => {
    const NOW = lastMondayNoon()
    const plant = code('WF')
    await insertPlant(db.prisma, plant)
    fixed.set(`/${plant}/gone`, 404)
    await channel('gone', 'webhook', `/${plant}/gone`, plant)
    await createChannel(makeCtx({ db: db.prisma }, admin), alertChannelInputSchema.parse({ name: 'closed port', kind: 'webhook', url: 'http://127.0.0.1:9/hooks/closed-secret', severities: ['critical'], plants: [plant] }))
    await createRule({ db: db.prisma, principal: admin }, alertRuleInputSchema.parse({ plant, kind: 'dead_letter_backlog', keepFiringMinutes: 0, severity: 'critical', params: { maxOpen: 0 } }))
    await insertOpenDeadLetter(db.prisma, plant, NOW)
    await evaluateAlerts(makeCtx({ db: db.prisma, ch }), { now: NOW })
    expect(await sendDueDeliveries({ prisma: db.prisma, publicUrl: PUBLIC_URL, logger, now: () => NOW })).toEqual({ sent: 0, retrying: 1, failed: 1 })
    const rows = await db.prisma.alertDelivery.findMany({ where: { channel: { name: { in: ['gone', 'closed port'] } } }, include: { channel: true } })
    expect(rows.find((d) => d.channel.name === 'gone')).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 404, lastError: 'HTTP 404: receiver says no' })
    const closed = rows.find((d) => d.channel.name === 'closed port')!
    expect(closed).toMatchObject({ status: 'pending', attempts: 1, lastStatus: null })
    expect(closed.lastError).toMatch(/fetch failed|ECONNREFUSED/)
    expect(closed.lastError).not.toContain('closed-secret')
    expect(closed.nextAttemptAt.getTime()).toBe(NOW.getTime() + 10_000)
  })

  it('"Send test" queues a test notification that the sender delivers like any other', async () => {
    const plant = code('WT')
    const path = `/${plant}/test`
    await insertPlant(db.prisma, plant)
    const ch1 = await channel('test me', 'teams', path, plant)
    const queued = await queueTestDelivery({ db: db.prisma }, { id: ch1.id })
    expect(queued).toMatchObject({ event: 'test', status: 'pending', episodeId: null })
    await sendDueDeliveries({ prisma: db.prisma, publicUrl: PUBLIC_URL, logger })
    const [got] = accepted(path)
    const card = (got!.body as { attachments: { content: { body: { text: string }[] } }[] }).attachments[0]!.content
    expect(card.body[0]!.text).toBe('Linetrace test notification for channel “test me”')
    expect((await listChannels({ db: db.prisma })).find((c) => c.id === ch1.id)!.lastDelivery).toMatchObject({ event: 'test', status: 'sent', attempts: 1 })
  })

  it('the worker loop evaluates, notifies and resolves on its own; two workers still send one notification each', async () => {
    const plant = code('WL')
    const path = `/${plant}/loop`
    await insertPlant(db.prisma, plant, 'UTC', [])
    failures.set(path, 1)
    await channel('loop', 'webhook', path, plant)
    await createRule({ db: db.prisma, principal: admin }, alertRuleInputSchema.parse({ plant, kind: 'dead_letter_backlog', keepFiringMinutes: 0, severity: 'critical', params: { maxOpen: 0 } }))
    const dl = await insertOpenDeadLetter(db.prisma, plant, new Date())
    // A rule that keeps firing (no channel of its plant): its lastEvaluatedAt shows the loops ran.
    const beat = code('WB')
    await insertPlant(db.prisma, beat, 'UTC', [])
    const heartbeat = await createRule({ db: db.prisma, principal: admin }, alertRuleInputSchema.parse({ plant: beat, kind: 'dead_letter_backlog', keepFiringMinutes: 0, severity: 'info', params: { maxOpen: 0 } }))
    await insertOpenDeadLetter(db.prisma, beat, new Date())
    const lastEvaluated = async () => (await db.prisma.alertEpisode.findFirst({ where: { ruleId: heartbeat.id } }))?.lastEvaluatedAt.getTime() ?? 0
    const workers = [1, 2].map(() =>
      startAlerting({ ctx: makeCtx({ db: db.prisma, ch, logger }), publicUrl: PUBLIC_URL, evalIntervalMs: 300, sendIntervalMs: 100, sender: { baseDelayMs: 200 } }),
    )
    try {
      await waitFor('one accepted firing notification', () => accepted(path).map((r) => r.body.event), (events) => events.length >= 1)
      await db.prisma.deadLetter.update({ where: { id: dl.id }, data: { status: 'resolved' } })
      await waitFor('the resolved notification', () => accepted(path).map((r) => r.body.event), (events) => events.includes('resolved'))
      // Three more evaluations after the resolve: nothing else may arrive.
      const resolvedAt = Date.now()
      await waitFor('three more evaluations', lastEvaluated, (t) => t > resolvedAt + 900)
      await sendDueDeliveries({ prisma: db.prisma, publicUrl: PUBLIC_URL, logger })
      expect(accepted(path).map((r) => r.body.event)).toEqual(['firing', 'resolved'])
      expect(received.filter((r) => r.path === path).map((r) => r.answered)).toEqual([500, 200, 200])
      // Onboarding ran in the loop: the plant got its default rules too.
      expect(await db.prisma.alertRule.count({ where: { plantCode: plant, fromTemplate: true } })).toBe(7)
    } finally {
      await Promise.all(workers.map((w) => w.stop()))
    }
  })

  it('the worker loop evaluates nothing while its hold gives a reason, and catches up when it ends', async () => {
    const plant = code('WG')
    await insertPlant(db.prisma, plant, 'UTC', [])
    const rule = await createRule({ db: db.prisma, principal: admin }, alertRuleInputSchema.parse({ plant, kind: 'dead_letter_backlog', keepFiringMinutes: 0, severity: 'info', params: { maxOpen: 0 } }))
    await insertOpenDeadLetter(db.prisma, plant, new Date())
    let hold: string | null = 'history on its way'
    const worker = startAlerting({ ctx: makeCtx({ db: db.prisma, ch, logger }), publicUrl: PUBLIC_URL, evalIntervalMs: 100, holdReason: () => hold })
    try {
      await new Promise((r) => setTimeout(r, 600))
      expect(await db.prisma.alertEpisode.count({ where: { ruleId: rule.id } })).toBe(0)
      hold = null
      await waitFor('the rule evaluated once the hold ended', () => db.prisma.alertEpisode.count({ where: { ruleId: rule.id, state: 'firing' } }), (n) => n === 1)
    } finally {
      await worker.stop()
    }
  })
})
