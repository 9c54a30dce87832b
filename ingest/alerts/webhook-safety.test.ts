import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../../server/clickhouse/client'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { openTestClickHouse } from '../../server/clickhouse/testing'
import type { Db } from '../../server/db/client'
import { freshDb, TEST_ENGINES } from '../../server/db/testing'
import { alertChannelInputSchema, alertRuleInputSchema } from '../../server/domain/alerts'
import { logger } from '../../server/logger'
import { createChannel, listChannels, queueTestDelivery, updateChannel } from '../../server/services/alerts/channels'
import { evaluateAlerts } from '../../server/services/alerts/evaluate'
import { getAlert } from '../../server/services/alerts/inbox'
import { createRule } from '../../server/services/alerts/rules'
import { insertOpenDeadLetter, insertPlant, lastMondayNoon } from '../../server/services/testing/alerts'
import { makeCtx } from '../../server/services/testing/ctx'
import { domainError } from '../../server/services/testing/errors'
import { makePrincipal } from '../../server/services/testing/principal'
import { sendDueDeliveries } from './sender'

/**
 * Where alert channels may point (ALERT_WEBHOOK_ALLOW, checked when a channel is saved and again
 * before each delivery) and who reads what a receiver answered (admins only), against a real local
 * receiver.
 */

const SECRET_BODY = 'INTERNAL-ONLY: db_password=hunter2'
const admin = makePrincipal('admin')

let chEngine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
let server: Server
let base: string
const requested: string[] = []

beforeAll(async () => {
  chEngine = openTestClickHouse('alerts-webhook-safety')
  ch = chEngine.ch
  await migrateClickHouse(ch)
  server = createServer((req, res) => {
    requested.push(req.url ?? '')
    req.resume()
    req.on('end', () => {
      if (req.url?.endsWith('/teapot')) res.writeHead(418, { 'content-type': 'text/plain' }).end(SECRET_BODY)
      else res.writeHead(200).end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  await chEngine.dispose()
})

describe.each(TEST_ENGINES)('alert webhooks on %s', (engine) => {
  let db: Db
  beforeAll(async () => {
    db = await freshDb(engine)
  })
  afterAll(() => db?.close())
  const code = (name: string) => `${engine === 'pglite' ? 'G' : 'P'}${name}`
  const withAllow = (alertWebhookAllow: string[]) => makeCtx({ db: db.prisma, config: { replay: { redriveTopics: {}, defaultRate: 50 }, alertWebhookAllow } }, admin)
  const input = (name: string, url: string, plant: string) => alertChannelInputSchema.parse({ name, kind: 'webhook', url, severities: ['critical'], plants: [plant] })

  it('refuses to save a channel that points outside ALERT_WEBHOOK_ALLOW, naming the host', async () => {
    const plant = code('AA')
    const ctx = withAllow(['127.0.0.1', '*.hooks.example.com'])
    expect(await domainError(createChannel(ctx, input('lan', 'http://10.1.2.3:8080/erp/admin', plant)))).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'url: host 10.1.2.3 is not allowed for alert channels: ALERT_WEBHOOK_ALLOW lists 127.0.0.1, *.hooks.example.com.',
    })
    expect(await domainError(createChannel(ctx, input('name', 'https://erp.plant.local/hook', plant)))).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('host erp.plant.local is not allowed for alert channels: ALERT_WEBHOOK_ALLOW lists 127.0.0.1, *.hooks.example.com (host names are matched by name, never resolved)'),
    })
    // Another spelling of an address is the address (the URL parser normalises it).
    expect(await domainError(createChannel(ctx, input('hex', 'http://0x0a.1.2.3/x', plant)))).toMatchObject({ message: expect.stringContaining('host 10.1.2.3 ') })
    expect(await db.prisma.alertChannel.count({ where: { name: { in: ['lan', 'name', 'hex'] } } })).toBe(0)

    const ok = await createChannel(ctx, input('ok', `${base}/ok`, plant))
    await createChannel(ctx, input('subdomain', 'https://t1.hooks.example.com/x', plant))
    expect(await domainError(createChannel(ctx, input('bare domain', 'https://hooks.example.com/x', plant)))).toMatchObject({ code: 'BAD_REQUEST' })
    expect(await domainError(updateChannel(ctx, { id: ok.id, change: { url: 'http://[fd00::1]/x' } }))).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('host fd00::1 is not allowed'),
    })
    expect((await db.prisma.alertChannel.findUniqueOrThrow({ where: { id: ok.id } })).url).toBe(`${base}/ok`)
    // Without the setting, any host.
    await createChannel(withAllow([]), input('anywhere', 'http://10.1.2.3:8080/x', plant))
  })

  it('does not call a channel that the setting excludes at delivery time (saved before it was set)', async () => {
    const plant = code('AB')
    await insertPlant(db.prisma, plant)
    const old = await createChannel(withAllow([]), input('older', `${base}/${plant}/older`, plant))
    await queueTestDelivery({ db: db.prisma }, { id: old.id })
    const send = (webhookAllow: string[]) => sendDueDeliveries({ prisma: db.prisma, publicUrl: 'http://localhost:3000', logger, webhookAllow, timeoutMs: 60_000 })
    expect(await send(['hooks.example.com'])).toEqual({ sent: 0, retrying: 0, failed: 1 })
    expect(requested.filter((p) => p.startsWith(`/${plant}/`))).toEqual([])
    const [delivery] = await db.prisma.alertDelivery.findMany({ where: { channelId: old.id } })
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, lastStatus: null, lastError: 'Not sent: host 127.0.0.1 is not allowed for alert channels: ALERT_WEBHOOK_ALLOW lists hooks.example.com' })

    // A range that holds the address lets it through.
    await queueTestDelivery({ db: db.prisma }, { id: old.id })
    expect(await send(['127.0.0.0/8'])).toEqual({ sent: 1, retrying: 0, failed: 0 })
    expect(requested.filter((p) => p.startsWith(`/${plant}/`))).toEqual([`/${plant}/older`])
  })

  it('shows a receiver’s error body to admins only; viewers and operators see how the delivery failed', async () => {
    const NOW = lastMondayNoon()
    const plant = code('AC')
    await insertPlant(db.prisma, plant)
    const ctx = makeCtx({ db: db.prisma }, admin)
    await createChannel(ctx, input('teapot', `${base}/${plant}/teapot`, plant))
    await createChannel(ctx, input('closed port', 'http://127.0.0.1:9/hooks/closed', plant))
    await createRule(ctx, alertRuleInputSchema.parse({ plant, kind: 'dead_letter_backlog', severity: 'critical', params: { maxOpen: 0 } }))
    await insertOpenDeadLetter(db.prisma, plant, NOW)
    await evaluateAlerts(makeCtx({ db: db.prisma, ch }), { now: NOW })
    expect(await sendDueDeliveries({ prisma: db.prisma, publicUrl: 'http://localhost:3000', logger, now: () => NOW, timeoutMs: 60_000 })).toEqual({ sent: 0, retrying: 1, failed: 1 })
    const { id } = await db.prisma.alertEpisode.findFirstOrThrow({ where: { plantCode: plant } })

    const errors = async (who: ReturnType<typeof makePrincipal>) =>
      Object.fromEntries((await getAlert(makeCtx({ db: db.prisma }, who), { id })).deliveries.map((d) => [d.channelName, { lastStatus: d.lastStatus, lastError: d.lastError }]))
    for (const role of ['viewer', 'operator'] as const) {
      const seen = await errors(makePrincipal(role, [plant]))
      expect(seen, role).toEqual({
        teapot: { lastStatus: 418, lastError: 'delivery failed (HTTP 418)' },
        'closed port': { lastStatus: null, lastError: 'delivery failed (no answer from the receiver)' },
      })
    }
    const full = await errors(admin)
    expect(full.teapot).toEqual({ lastStatus: 418, lastError: `HTTP 418: ${SECRET_BODY}` })
    expect(full['closed port']!.lastError).toMatch(/fetch failed|ECONNREFUSED/)
    // The channel list (admins only) keeps the receiver's words too.
    expect((await listChannels({ db: db.prisma })).find((c) => c.name === 'teapot')!.lastDelivery!.lastError).toBe(`HTTP 418: ${SECRET_BODY}`)
  })
})
