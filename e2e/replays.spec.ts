import { expect, test } from '@playwright/test'
import { DEMO, DEMO_ADMIN_TOKEN, expectMostResolved, signIn } from './helpers'

/**
 * The month-start journey (EVENT-MODEL.md flow D): every posting fails "period closed" (M7/053)
 * until the period opens (company code 1000 one minute after start, then one company code every
 * five minutes: plant 1100's at six). An admin dry-runs a selection after it opened, replays it,
 * watches the progress and sees the dead letters resolve: the simulator's hub consumes the replays
 * from the source topic and posts them, the resolver closes the loop. Dead letters come from the DLQ
 * indexer (the exceptions work); without it there is nothing to replay.
 *
 * Its own slice, plant 1100's shipments (outside the demo operator's plants, hence the admin):
 * exceptions.spec replays plant 1000's group, and what that leaves behind (a record that failed
 * again, a goods movement waiting for stock) may not resolve in time.
 */

const PERIOD_OPEN_S = 6 * 60 + 15
const FILTER = 'plant=1100&errorCode=M7/053&flow=shipment'

test('an admin replays the month-start "period closed" shipments of plant 1100 and sees them resolve', async ({ page, request }) => {
  test.setTimeout(720_000)
  await expect
    .poll(async () => ((await (await request.get('/api/health')).json()) as { uptime_s: number }).uptime_s, {
      message: "plant 1100's period opens six minutes after the start",
      timeout: 420_000,
      intervals: [5_000],
    })
    .toBeGreaterThan(PERIOD_OPEN_S)

  // The REST dry run reports counts (and changes nothing).
  const dry = await request.post('/api/v1/replays', {
    headers: { authorization: `Bearer ${DEMO_ADMIN_TOKEN}` },
    data: { dryRun: true, filter: { plant: '1100', errorCode: ['M7/053'], flow: ['shipment'], status: ['new', 'triaged', 'failed_again'] } },
  })
  expect(dry.status()).toBe(200)
  const { dryRun } = (await dry.json()) as { dryRun: { selected: number; replayable: number; byTarget: { topic: string; count: number }[] } }
  expect(dryRun.replayable, 'period-closed shipments of plant 1100 indexed from the DLQ').toBeGreaterThan(0)
  expect(dryRun.byTarget.map((t) => t.topic)).toEqual(['lt.hub.1100.in'])

  await signIn(page, DEMO.admin)
  await page.goto(`/replays/new?${FILTER}`)
  await expect(page.getByTestId('replay-filter')).toContainText('errorCode=M7/053')
  await expect(page.getByTestId('replayable-count')).not.toHaveText('0', { timeout: 30_000 })
  const count = Number((await page.getByTestId('replayable-count').textContent())!.replace(/,/g, ''))
  await expect(page.getByTestId('target-row')).toHaveText([/lt\.hub\.1100\.in\s*[\d,]+/])

  const execute = page.getByRole('button', { name: /^Execute/ })
  await expect(execute).toBeDisabled() // a reason is required
  await page.getByLabel(/^Reason/).fill('Period opened in company code 1100 (MMPV)')
  await execute.click()
  await expect(page).toHaveURL(/\/replays\/[0-9a-f-]{36}$/)
  const jobId = page.url().split('/').at(-1)!
  await expect(page.getByTestId('job-reason')).toHaveText('Period opened in company code 1100 (MMPV)')

  // Progress while it runs, then done.
  await expect(page.getByTestId('replay-progress-text').first()).toContainText('done')
  await expect(page.getByTestId('replay-job-status')).toContainText('completed', { timeout: 120_000 })
  await expect(page.getByTestId('replay-progress-text').first()).toContainText(`${count.toLocaleString('en-US')} done`)

  // The closed loop: records posted after their replay are marked resolved (see expectMostResolved).
  await expectMostResolved(page, count)
  await expect(page.getByTestId('replay-items').getByTestId('dead-letter-status').filter({ hasText: 'resolved' }).first()).toBeVisible()

  // The job is listed with who, why and its outcome.
  await page.goto('/replays')
  const row = page.locator(`[data-row-id="${jobId}"]`)
  await expect(row).toContainText('Period opened in company code 1100')
  await expect(row).toContainText('completed')
})
