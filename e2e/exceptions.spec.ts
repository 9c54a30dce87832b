import { expect, test } from '@playwright/test'
import { DEMO, DEMO_ADMIN_TOKEN, expectMostResolved, signIn } from './helpers'

/**
 * The journey (issue 6 part 8): on the month-start scenario every posting fails "period
 * closed" (SAP M7/053) until the period opens (plant 1000 one minute after start). The DLQ indexer
 * reads the simulator's dead-letter topics; an operator finds the group on /exceptions, looks at
 * one record (decoded DLQ metadata, headers, payload, trace link), comments on it, then selects the
 * group, dry-runs its replay after the period opened, executes it and sees the records resolve.
 */

const PERIOD_OPEN_S = 75

test('an operator finds the "period closed" group of plant 1000, replays it after the period opens and sees it resolve', async ({ page, request }) => {
  test.setTimeout(480_000)
  await expect
    .poll(async () => ((await (await request.get('/api/health')).json()) as { uptime_s: number }).uptime_s, {
      message: "plant 1000's period opens one minute after the start",
      timeout: 150_000,
      intervals: [5_000],
    })
    .toBeGreaterThan(PERIOD_OPEN_S)

  // REST: the indexed dead letters carry the decoded original coordinates and exception.
  const api = await request.get('/api/v1/dead-letters?plant=1000&errorCode=M7/053&limit=5', { headers: { authorization: `Bearer ${DEMO_ADMIN_TOKEN}` } })
  expect(api.status()).toBe(200)
  const { items } = (await api.json()) as { items: { id: string; status: string; sourceTopic: string; sourceOffset: string; errorMessage: string; plant: string }[] }
  expect(items.length, 'period-closed dead letters of plant 1000 indexed from the DLQ').toBeGreaterThan(0)
  expect(items[0]).toMatchObject({ plant: '1000', sourceTopic: 'lt.hub.1000.in', status: 'new' })
  expect(items[0]!.sourceOffset).toMatch(/^\d+$/)
  expect(items[0]!.errorMessage).toContain('M7/053')

  await signIn(page, DEMO.operator)
  await page.goto('/exceptions?plant=1000&errorCode=M7/053&status=new,triaged,failed_again')
  const groups = page.getByTestId('groups-table')
  await expect(groups).toContainText('M7/053')
  await expect(groups).toContainText('Posting only possible in periods')
  await groups.locator('tbody tr').first().click()
  await expect(page).toHaveURL(/fingerprint=[0-9a-f]{32}/)
  const records = page.getByTestId('records-table')
  await expect(records.locator('tbody tr').first()).toContainText('M7/053')

  // One record in detail: decoded metadata, raw headers, payload as text, trace link; comment on it.
  await records.getByTestId('record-link').first().click()
  await expect(page).toHaveURL(/\/exceptions\/[0-9a-f-]{36}$/)
  await expect(page.getByTestId('dl-title')).toContainText('M7/053')
  await expect(page.getByTestId('dlq-metadata')).toContainText('lt.hub.1000.in')
  await expect(page.getByTestId('headers-table')).toContainText('correlation_id')
  await expect(page.getByTestId('payload')).toContainText('"plant": "1000"')
  await expect(page.getByTestId('trace-link')).toHaveAttribute('href', /^\/traces\//)
  await expect(page.getByTestId('dl-actions')).toContainText('Replay')
  await page.getByRole('textbox', { name: 'New comment' }).fill('Period 2026/12 not open yet in company code 1000; waiting for MMPV.')
  await page.getByRole('button', { name: 'Comment', exact: true }).click()
  await expect(page.getByTestId('comments')).toContainText('waiting for MMPV')
  await expect(page.getByTestId('audit-trail')).toContainText('dead_letter.comment')
  await expect(page.getByTestId('audit-trail')).toContainText(DEMO.operator.email)
  await page.goBack()

  // Triage per group: the operator takes the whole group (assigned records stay replayable).
  await expect(page.getByTestId('records-table')).toBeVisible()
  await page.getByLabel('Assign the group to').selectOption({ label: DEMO.operator.email })
  await page.getByRole('button', { name: 'Assign group' }).click()
  await expect(page.getByTestId('group-triage-result')).toContainText(/^[\d,]+ assigned/)

  // The whole group → the dry run → execute.
  await page.getByTestId('replay-matching').click()
  await expect(page).toHaveURL(/\/replays\/new\?.*fingerprint=/)
  await expect(page.getByTestId('replayable-count')).not.toHaveText('0', { timeout: 30_000 })
  const count = Number((await page.getByTestId('replayable-count').textContent())!.replace(/,/g, ''))
  await expect(page.getByTestId('target-row')).toHaveText([/lt\.hub\.1000\.in\s*[\d,]+/])
  await page.getByLabel(/^Reason/).fill('Period opened in company code 1000 (MMPV)')
  await page.getByRole('button', { name: /^Execute/ }).click()
  // Creating the job re-checks the risks in ClickHouse: allow a loaded two-core machine its time.
  await expect(page).toHaveURL(/\/replays\/[0-9a-f-]{36}$/, { timeout: 60_000 })
  await expect(page.getByTestId('replay-job-status')).toContainText('completed', { timeout: 120_000 })
  await expectMostResolved(page, count)

  // Back on the exceptions page the group shows resolved records.
  await page.goto('/exceptions?plant=1000&errorCode=M7/053&status=resolved')
  await expect(page.getByTestId('groups-table')).toContainText('M7/053')
})

test('a viewer sees exceptions read-only', async ({ page }) => {
  await signIn(page, DEMO.viewer)
  await page.goto('/exceptions')
  await expect(page.getByTestId('groups-table')).toBeVisible()
  await expect(page.getByTestId('replay-matching')).toHaveCount(0)
})
