import { expect, test, type APIRequestContext } from '@playwright/test'
import { DEMO, DEMO_ADMIN_TOKEN, mainNav, signIn } from './helpers'

/**
 * Issue 19 items 3 and 4 on the embedded demo (month-start scenario: postings dead-letter with
 * M7/053 "period closed" until the period opens): a shared link survives sign-in; a dead-lettered
 * trace opens on its failing hop with what to do and the dead letter one click away; a link with
 * parameters the page cannot apply says which; unknown pages and API paths answer 404.
 */

const auth = { authorization: `Bearer ${DEMO_ADMIN_TOKEN}` }

interface Hop {
  event_type: string
  status: string
  error_code: string | null
}

async function deadLetteredTrace(request: APIRequestContext): Promise<{ id: string; originTime: string; failing: Hop }> {
  let found: { id: string; originTime: string; failing: Hop } | undefined
  await expect
    .poll(
      async () => {
        const list = await request.get('/api/v1/traces?plant=1000&status=dead_lettered&limit=20', { headers: auth })
        for (const item of ((await list.json()) as { items: { correlation_id: string; origin_time: string }[] }).items) {
          // Its dead letter indexed from the DLQ topic too, so the header can link it; an M7/053 one (the
          // month-start wave), as the header's reason is checked below — the start-up showcase also
          // dead-letters an M3/305 confirmation in plant 1000.
          const dl = await request.get(`/api/v1/dead-letters?plant=1000&errorCode=M7/053&q=${encodeURIComponent(item.correlation_id)}&limit=1`, { headers: auth })
          if (((await dl.json()) as { items: unknown[] }).items.length === 0) continue
          const trace = await request.get(`/api/v1/traces/${encodeURIComponent(item.correlation_id)}?t=${encodeURIComponent(item.origin_time)}`, { headers: auth })
          const hops = ((await trace.json()) as { hops: Hop[] }).hops
          const failing = hops.findLast((h) => ['dead_lettered', 'error', 'partial'].includes(h.status))
          // The header states the LAST failure (server/domain/trace-focus.ts): a transaction that failed
          // again after its M7/053 (a backflush M7/021 once the period opened) states that one.
          if (failing && failing.error_code === 'M7/053' && hops.indexOf(failing) > 0) found = { id: item.correlation_id, originTime: item.origin_time, failing }
          if (found) return true
        }
        return false
      },
      { message: 'a dead-lettered plant 1000 transaction with its dead letter indexed', timeout: 240_000, intervals: [5_000] },
    )
    .toBe(true)
  return found!
}

test('a signed-out user follows a deep link, signs in and lands on the same URL', async ({ page }) => {
  const deepLink = '/traces?q=155031306975&plant=1000&status=posted'
  await page.goto(deepLink)
  await expect(page).toHaveURL(/\/login\?next=/)
  expect(new URL(page.url()).searchParams.get('next')).toBe(deepLink)
  await page.getByLabel('Email').fill(DEMO.operator.email)
  await page.getByLabel('Password').fill(DEMO.operator.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByTestId('current-user')).toContainText(DEMO.operator.email)
  await expect.poll(() => { const u = new URL(page.url()); return `${u.pathname}${u.search}` }).toBe(deepLink)
  await expect(page.getByLabel('Search transactions')).toHaveValue('155031306975')
  await expect(page.getByLabel('Status', { exact: true })).toHaveValue('posted')
})

test('a dead-lettered trace opens on the failing hop with what to do, the reason and the dead letter in the header', async ({ page, request }) => {
  test.setTimeout(360_000)
  const txn = await deadLetteredTrace(request)
  await signIn(page, DEMO.operator)
  await page.goto(`/traces/${encodeURIComponent(txn.id)}?t=${encodeURIComponent(txn.originTime)}`)

  const panel = page.getByTestId('hop-panel')
  await expect(panel.getByRole('heading', { level: 2 })).toHaveText(txn.failing.event_type)
  await expect(panel).toContainText(txn.failing.status)
  await expect(panel.getByTestId('hop-guidance')).toContainText('What to do:')
  await expect(page.locator('[data-testid="hop-row"][aria-selected="true"]')).toHaveAttribute('data-event-type', txn.failing.event_type)

  const failure = page.getByTestId('trace-failure')
  await expect(failure.getByTestId('failure-reason')).toContainText('M7/053')
  await expect(failure.getByRole('link', { name: 'Replay…' })).toBeVisible()
  // The waterfall: an axis to scale and a zoom that narrows the window shown.
  await expect(page.getByTestId('time-axis')).toContainText('0')
  const window = page.getByTestId('timeline-window')
  const whole = await window.textContent()
  await page.getByRole('button', { name: 'Zoom in' }).click()
  await expect(window).not.toHaveText(whole!)
  await page.getByRole('button', { name: 'Whole transaction' }).click()
  await expect(window).toHaveText(whole!)

  await failure.getByRole('link', { name: 'Open dead letter' }).click()
  await expect(page).toHaveURL(/\/exceptions\/[0-9a-f-]{36}$/)
  await expect(page.getByText(txn.id).first()).toBeVisible()
})

test('link parameters that cannot be applied are named, left out and dismissable; unknown pages and API paths are 404', async ({ page, request }) => {
  await signIn(page, DEMO.admin)
  await page.goto('/traces?flow=nonsense&plant=9999&status=bogus&q=abc')
  const notice = page.getByTestId('url-param-notice')
  await expect(notice).toContainText('flow')
  await expect(notice).toContainText('unknown flow "nonsense"')
  await expect(notice).toContainText('plant')
  await expect(notice).toContainText('no such plant')
  await expect(notice).toContainText('status')
  // The controls and the address show what is applied: all flows, all statuses, the search kept.
  await expect(page.getByLabel('Flow', { exact: true })).toHaveValue('')
  await expect(page.getByLabel('Status', { exact: true })).toHaveValue('')
  await expect.poll(() => new URL(page.url()).search).toBe('?q=abc')
  await notice.getByRole('button', { name: 'Dismiss' }).click()
  await expect(notice).toHaveCount(0)

  await page.goto('/exceptions?status=bogus&from=notadate&to=2026-12-01T00:00:00Z')
  await expect(page.getByTestId('url-param-notice')).toContainText('from')

  await page.goto('/plants/9999')
  await expect(page.getByText('No such plant')).toBeVisible()

  await page.goto('/no/such/page')
  await expect(page.getByTestId('not-found')).toBeVisible()
  await expect(mainNav(page)).toBeVisible()

  const api = await request.get('/api/v1/no-such-route', { headers: auth })
  expect(api.status()).toBe(404)
  expect(((await api.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND')
})
