import { expect, test } from '@playwright/test'
import { DEMO, DEMO_ADMIN_TOKEN, signIn } from './helpers'

/**
 * Issue 17 item 2 on the embedded demo (month-start: plant 1000's postings fail "period closed"
 * and are dead-lettered until its period opens a minute after the start, so it has transactions
 * that were never posted within a minute): a viewer of plant 1000 opens the Reconciliation view from
 * the plant dashboard, narrows it to "never posted" and follows a row to its trace.
 */

const auth = { authorization: `Bearer ${DEMO_ADMIN_TOKEN}` }

test('a viewer opens the reconciliation of their plant and follows a never-posted row to its trace', async ({ page, request }) => {
  test.setTimeout(300_000)
  // Wait (through the REST API, as a reporting tool would) until the demo has a never-posted transaction in plant 1000.
  let cid = ''
  await expect
    .poll(
      async () => {
        const res = await request.get('/api/v1/reconciliation?plant=1000&range=24h&kind=never_posted&limit=5', { headers: auth })
        expect(res.status()).toBe(200)
        const body = (await res.json()) as { items: { correlationId: string; kinds: string[] }[] }
        cid = body.items[0]?.correlationId ?? ''
        return cid !== ''
      },
      { message: 'a never-posted transaction in plant 1000', timeout: 240_000, intervals: [5_000] },
    )
    .toBe(true)

  await signIn(page, DEMO.viewer)
  await page.goto('/plants/1000')
  await page.getByTestId('reconciliation-link').click()
  await expect(page).toHaveURL(/\/plants\/1000\/reconciliation/)
  await expect(page.getByRole('heading', { name: 'Reconciliation · plant 1000' })).toBeVisible()
  await expect(page.getByTestId('recon-summary')).toBeVisible()

  await page.getByLabel('Difference').selectOption('never_posted')
  await expect(page).toHaveURL(/kind=never_posted/)
  const list = page.getByTestId('recon-differences')
  const row = list.locator(`[data-row-id="${cid}"]`)
  await expect(row).toContainText('never posted')
  await row.getByRole('link').first().click()

  await expect(page).toHaveURL(new RegExp(`/traces/${encodeURIComponent(cid)}\\?t=`))
  await expect(page.getByRole('heading', { name: cid })).toBeVisible()
})
