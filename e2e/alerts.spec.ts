import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, test, type APIRequestContext } from '@playwright/test'
import { DEMO, DEMO_ADMIN_TOKEN, mainNav, signIn } from './helpers'

/**
 * Alerts on the month-start demo: every posting of plant 2000 fails "period closed" until its
 * period opens (+11 min), so first-pass posting success there is far below its 98 % SLA. An admin
 * makes a rule for it and a webhook channel through the REST API; the worker fires the alert and
 * notifies the local receiver once; the operator sees it in the navigation and the inbox, follows
 * it to the failed postings and acknowledges it with a comment.
 */

interface Delivery {
  event: string
  alert: { id: string; rule: { id: string }; plant: string } | null
}

let receiver: Server
let receiverUrl: string
const deliveries: Delivery[] = []

test.beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString('utf8')))
    req.on('end', () => {
      deliveries.push(JSON.parse(body) as Delivery)
      res.writeHead(200).end('ok')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/linetrace/e2e-hook-token`
})
test.afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve))
})

const admin = { authorization: `Bearer ${DEMO_ADMIN_TOKEN}` }

async function json<T>(request: APIRequestContext, method: 'get' | 'post', path: string, data?: unknown): Promise<T> {
  const response = await request[method](path, { headers: admin, data })
  expect(response.status(), `${method.toUpperCase()} ${path}: ${await response.text()}`).toBeLessThan(300)
  return (await response.json()) as T
}

test('an operator sees a firing alert, follows it to the failed postings and acknowledges it; the webhook gets one notification', async ({ page, request }) => {
  // The worker evaluates every 60 s (the default): allow two rounds plus the journey.
  test.setTimeout(240_000)

  // Every demo plant got its default rule set from the worker's onboarding.
  await expect
    .poll(async () => new Set((await json<{ rules: { plant: string }[] }>(request, 'get', '/api/v1/alert-rules')).rules.map((r) => r.plant)).size, {
      message: 'default alert rules for the five demo plants',
      timeout: 90_000,
    })
    .toBe(5)

  const { channel } = await json<{ channel: { urlHint: string } }>(request, 'post', '/api/v1/alert-channels', {
    name: 'e2e receiver',
    kind: 'webhook',
    url: receiverUrl,
    severities: ['critical'],
    plants: ['2000'],
  })
  expect(channel.urlHint).not.toContain('e2e-hook-token')
  const { rule } = await json<{ rule: { id: string } }>(request, 'post', '/api/v1/alert-rules', {
    plant: '2000',
    kind: 'kpi_sla',
    severity: 'critical',
    name: 'Plant 2000 first-pass postings (e2e)',
    // Fire at the first evaluation that sees it (the default waits 10 min: ALERT_TIMING_DEFAULTS).
    forMinutes: 0,
    params: { kpi: 'first_pass_success', windowMinutes: 10, minSamples: 5 },
  })

  // One firing alert for the rule, through the REST API.
  let alertIds: string[] = []
  await expect
    .poll(
      async () => {
        const { alerts } = await json<{ alerts: { id: string; ruleId: string }[] }>(request, 'get', '/api/v1/alerts?plant=2000&state=firing')
        alertIds = alerts.filter((a) => a.ruleId === rule.id).map((a) => a.id)
        return alertIds.length
      },
      { message: 'a firing alert for the new rule', timeout: 120_000, intervals: [2_000] },
    )
    .toBe(1)
  const alertId = alertIds[0]!
  const mine = () => deliveries.filter((d) => d.alert?.rule.id === rule.id)
  await expect.poll(() => mine().map((d) => d.event), { message: 'one firing notification at the receiver', timeout: 30_000 }).toEqual(['firing'])
  expect(mine()[0]!.alert).toMatchObject({ id: alertId, plant: '2000' })

  // The operator (plants 1000 and 2000) sees the count in the navigation and the alert in the inbox.
  await signIn(page, DEMO.operator)
  await expect(mainNav(page).getByTestId('firing-alert-count')).toBeVisible()
  await mainNav(page).getByRole('link', { name: /^Alerts/ }).click()
  await expect(page).toHaveURL(/\/alerts/)
  const row = page.getByTestId('alerts-table').locator(`[data-row-id="${alertId}"]`)
  await expect(row).toContainText('Plant 2000 first-pass postings (e2e)')
  await expect(row.getByTestId('alert-reason')).toContainText(/First-pass posting success in plant 2000 is \d+\.\d % over the last 10 min \(SLA ≥ 98\.0 %/)
  await expect(row.getByTestId('alert-severity')).toHaveText(/critical/)
  await row.click()
  await expect(page).toHaveURL(new RegExp(`alert=${alertId}`))
  const peek = page.getByTestId('alert-peek')

  // What explains it: the failed postings of plant 2000.
  await peek.getByRole('link', { name: /Failed postings/ }).click()
  await expect(page).toHaveURL(/\/exceptions\?plant=2000/)
  await page.goBack()
  await expect(peek).toBeVisible()

  // Acknowledge with a comment.
  const comment = 'Period 2026/12 opens for company code 2000 at 11:00; replaying the dead letters then'
  await peek.getByLabel(/Comment/).fill(comment)
  await peek.getByRole('button', { name: 'Acknowledge' }).click()
  await expect(peek.getByTestId('alert-ack')).toContainText(`Acknowledged by ${DEMO.operator.email}`)
  await expect(peek.getByTestId('alert-ack')).toContainText(comment)
  await expect(row.getByTestId('alert-state')).toHaveText(/acknowledged/)

  const { alerts } = await json<{ alerts: { id: string; acknowledgedBy: string; ackComment: string }[] }>(request, 'get', '/api/v1/alerts?state=acknowledged&plant=2000')
  expect(alerts.find((a) => a.id === alertId)).toMatchObject({ acknowledgedBy: DEMO.operator.email, ackComment: comment })
  // Still one notification: acknowledging and later evaluations send nothing more while it fires.
  expect(mine().map((d) => d.event)).toEqual(['firing'])
})
