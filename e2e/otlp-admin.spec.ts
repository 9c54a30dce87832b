import { randomBytes } from 'node:crypto'
import { expect, test } from '@playwright/test'
import { DEMO, DEMO_ADMIN_TOKEN, signIn } from './helpers'

/**
 * Issue #20 item 4 in the console: an admin sees a service that sent spans to the console's OTLP
 * endpoint in /admin → OpenTelemetry, changes a service rule's plant (an invalid one is refused with
 * the reason), saves, and finds the change stored after a reload and in the audit log; then puts
 * the rule back as it was.
 */

test('an admin sees an OpenTelemetry service and edits its service rule’s plant', async ({ page, request }) => {
  const service = `e2e-${randomBytes(3).toString('hex')}-hub`
  const nowNs = BigInt(Date.now()) * 1_000_000n
  const sent = await request.post('/api/otlp/v1/traces', {
    headers: { authorization: `Bearer ${DEMO_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    data: {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: randomBytes(16).toString('hex'),
                  spanId: randomBytes(8).toString('hex'),
                  name: 'send erp.confirmations',
                  kind: 4,
                  startTimeUnixNano: String(nowNs - 5_000_000n),
                  endTimeUnixNano: String(nowNs),
                  attributes: [
                    { key: 'messaging.system', value: { stringValue: 'kafka' } },
                    { key: 'messaging.operation.type', value: { stringValue: 'send' } },
                    { key: 'linetrace.plant', value: { stringValue: '1000' } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    },
  })
  expect(sent.status(), await sent.text()).toBe(200)

  await signIn(page, DEMO.admin)
  await page.goto('/admin')
  const panel = page.getByRole('region', { name: 'OpenTelemetry' })
  // The worker maps the span within seconds; the view is read from hop_events on each load.
  await expect(async () => {
    await page.reload()
    await expect(panel.getByTestId(`otlp-service-${service}`)).toBeVisible({ timeout: 2_000 })
  }).toPass({ timeout: 60_000 })
  await expect(panel.getByTestId(`otlp-service-${service}`)).toContainText('0 / 0')

  const editor = panel.getByRole('form', { name: 'OpenTelemetry mapping' })
  // Rule 2 is `*-hub`, the rule this service matches.
  await expect(editor.getByLabel('Rule 2 service pattern')).toHaveValue('*-hub')
  const plant = editor.getByLabel('Rule 2 plant')
  await plant.fill('not a plant!')
  await editor.getByRole('button', { name: 'Save mapping' }).click()
  await expect(editor.getByText('a plant code is 1–16 letters, digits, - or _ (e.g. 2000)')).toBeVisible()
  await expect(plant).toHaveAttribute('aria-invalid', 'true')

  await plant.fill('2000')
  await editor.getByRole('button', { name: 'Save mapping' }).click()
  await expect(editor.getByRole('status')).toHaveText('Mapping saved; the change is in the audit log.')

  await page.reload()
  await expect(page.getByRole('form', { name: 'OpenTelemetry mapping' }).getByLabel('Rule 2 plant')).toHaveValue('2000')
  await expect(page.getByRole('form', { name: 'OpenTelemetry mapping' })).toContainText(`Saved by ${DEMO.admin.email}`)
  await expect(page.getByText('otlp_mapping.update').first()).toBeVisible()

  // The server is shared by every spec of the run: the rule gets its plant back (none).
  const again = page.getByRole('form', { name: 'OpenTelemetry mapping' })
  await again.getByLabel('Rule 2 plant').fill('')
  await again.getByRole('button', { name: 'Save mapping' }).click()
  await expect(again.getByRole('status')).toHaveText('Mapping saved; the change is in the audit log.')
})
