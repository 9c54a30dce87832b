import { randomBytes } from 'node:crypto'
import { expect, test } from '@playwright/test'
import { DEMO, signIn } from './helpers'

/**
 * Issue #21 in the console: an admin creates a tap on a topic that already has records, previews the
 * record ↔ hop event pairs, creates it (disabled), enables it as a separate confirmed step, and finds
 * a transaction the tap made by its work order in the trace search.
 *
 * The tapped topic is plant 1000's hub source topic (lt.hub.1000.in): the simulator's MES writes its
 * ProductionConfirmation messages there all the time, and no other tap reads it. The tap prefixes the
 * correlation id (`e2e-…`), so its transactions are told apart from the ones plant 1000's telemetry makes.
 */

const TOPIC = 'lt.hub.1000.in'

test('an admin creates, previews and enables a tap, then finds a tapped transaction by work order', async ({ page }) => {
  test.setTimeout(300_000)
  const name = `e2e-${randomBytes(3).toString('hex')}`
  await signIn(page, DEMO.admin)
  await page.goto('/admin')
  await page.getByRole('link', { name: /Topic taps/ }).click()
  await expect(page).toHaveURL(/\/admin\/taps/)

  await page.getByRole('button', { name: 'New tap' }).click()
  const editor = page.getByRole('form', { name: 'New tap' })
  await editor.getByLabel(/^Name/).fill(name)
  await editor.getByLabel(/^Topic/).fill(TOPIC)
  await editor.getByLabel('Correlation id', { exact: true }).fill('"e2e-" & correlation_id')
  await editor.getByLabel('Plant', { exact: true }).fill('plant')
  await editor.getByLabel('Business keys 1 (work_order)', { exact: true }).fill('work_order')

  // A mistake first: the preview names the field and reads nothing.
  await editor.getByLabel('Hop', { exact: true }).fill('')
  await editor.getByRole('button', { name: 'Preview' }).click()
  await expect(editor.getByLabel('Hop', { exact: true })).toHaveAttribute('aria-invalid', 'true')
  await editor.getByLabel('Hop', { exact: true }).fill('mes')

  // The simulator's MES has sent confirmations by now; poll in case the demo just started.
  let event: { correlation_id: string; business?: { work_order?: string } } | undefined
  await expect(async () => {
    await editor.getByRole('button', { name: 'Preview' }).click()
    await expect(editor.getByTestId('tap-preview-row').first()).toBeVisible({ timeout: 5_000 })
    const events = await editor.getByTestId('tap-preview-event').locator('pre').allTextContents()
    event = events.map((text) => JSON.parse(text) as NonNullable<typeof event>).find((e) => e.business?.work_order)
    expect(event, 'a previewed confirmation with a work order').toBeDefined()
  }).toPass({ timeout: 60_000 })
  expect(event!.correlation_id).toMatch(/^e2e-/)
  await expect(editor.getByRole('status').first()).toContainText('Nothing was committed')

  await editor.getByRole('button', { name: 'Create (disabled)' }).click()
  const row = page.getByTestId(`tap-${name}`)
  await expect(row).toContainText('disabled')
  await row.getByRole('button', { name: 'Enable' }).click()
  const dialog = page.getByRole('dialog', { name: 'Enable this tap?' })
  await expect(dialog).toContainText(`linetrace-tap-${name}`)
  await dialog.getByRole('button', { name: `Enable ${name}` }).click()
  await expect(dialog).toBeHidden()
  await expect(row.getByRole('button', { name: 'Disable' })).toBeVisible()

  // The worker picks the tap up, reads the topic from its beginning and writes hop events.
  const workOrder = event!.business!.work_order!
  await page.goto(`/traces?q=${workOrder}`)
  await expect(page.getByTestId('search-reading')).toContainText(`work order ${workOrder}`)
  // A search over the demo's 24 h takes seconds on a busy machine: each attempt waits for its answer.
  await expect(async () => {
    await page.reload()
    await expect(page.getByTestId('trace-results').locator(`[data-row-id="${event!.correlation_id}"]`)).toBeVisible({ timeout: 20_000 })
  }).toPass({ timeout: 150_000 })

  // The server is shared by every spec of the run: the tap stops again.
  await page.goto('/admin/taps')
  await page.getByTestId(`tap-${name}`).getByRole('button', { name: 'Disable' }).click()
  await page.getByRole('dialog', { name: 'Disable this tap?' }).getByRole('button', { name: `Disable ${name}` }).click()
  await expect(page.getByTestId(`tap-${name}`)).toContainText('disabled')
})
