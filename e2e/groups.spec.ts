import { expect, test } from '@playwright/test'
import { DEMO, DEMO_ADMIN_TOKEN, signIn } from './helpers'

/**
 * Issue 19 items 1 and 2: on the month-start scenario every plant's postings fail "period closed"
 * (SAP M7/053) until its company code's period opens, in plants that dead-letter in different
 * conventions (Spring, Connect, the hub's own). They are one group per flow across plants. An
 * operator (plants 1000 and 2000) opens that cross-plant group, reads its guidance, narrows its
 * records to plant 2000 with the plant facet, adds a runbook note, and finds that a record's
 * primary action is the fix ("Mark fixed & replay"), not a replay that would only fail again.
 */

interface Item {
  id: string
  plant: string
  flow: string
  fingerprint: string
  guidance: { key: string; how: string; replayBeforeFixCanSucceed: boolean }
}

async function periodClosed(request: import('@playwright/test').APIRequestContext, plant: string): Promise<Item[]> {
  const res = await request.get(`/api/v1/dead-letters?plant=${plant}&errorCode=M7/053&limit=500`, { headers: { authorization: `Bearer ${DEMO_ADMIN_TOKEN}` } })
  expect(res.status()).toBe(200)
  return ((await res.json()) as { items: Item[] }).items
}

test('an operator filters a cross-plant group by plant and adds a runbook note', async ({ page, request }) => {
  test.setTimeout(420_000)
  // A fingerprint with dead letters in both of the operator's plants (same code, same flow).
  let shared: Item | undefined
  await expect
    .poll(
      async () => {
        const [a, b] = await Promise.all([periodClosed(request, '1000'), periodClosed(request, '2000')])
        const inB = new Set(b.map((i) => i.fingerprint))
        shared = a.find((i) => inB.has(i.fingerprint))
        return !!shared
      },
      { message: 'M7/053 dead letters of plants 1000 and 2000 in one group', timeout: 300_000, intervals: [5_000] },
    )
    .toBe(true)
  const fp = shared!.fingerprint
  // REST items carry the guidance of their code.
  expect(shared!.guidance).toMatchObject({ key: 'M7/053', replayBeforeFixCanSucceed: false })
  expect(shared!.guidance.how).toMatch(/MMPV/)

  await signIn(page, DEMO.operator)
  await page.goto('/exceptions?errorCode=M7/053')
  const row = page.getByTestId('groups-table').locator(`tr[data-row-id="${fp}"]`)
  await expect(row).toContainText('1000')
  await expect(row).toContainText('2000')
  // The group row is a real link (middle-click opens a tab), not only a click handler.
  const link = row.getByTestId('group-link')
  await expect(link).toHaveAttribute('href', new RegExp(`fingerprint=${fp}`))
  await link.click()
  await expect(page).toHaveURL(new RegExp(`fingerprint=${fp}`))

  // The group: what to do, and where it happens.
  await expect(page.getByTestId('group-guidance')).toContainText('Posting period closed')
  await expect(page.getByTestId('group-guidance')).toContainText('OB52')
  const plants = page.getByTestId('facet-plant')
  await expect(plants).toContainText('1000')
  await expect(plants).toContainText('2000')

  // Narrow the records to plant 2000 with the facet.
  await plants.getByRole('link', { name: '2000', exact: true }).click()
  await expect(page).toHaveURL(/plants=2000/)
  const records = page.getByTestId('records-table')
  // The URL changes before the list re-renders with the narrowed records: wait for the new rows.
  await expect
    .poll(async () => [...new Set((await records.locator('tbody tr td:nth-child(4)').allInnerTexts()).map((c) => c.trim()))], { message: 'only plant 2000 records', timeout: 30_000 })
    .toEqual(['2000'])
  await expect(records.locator('tbody tr').first()).toContainText('M7/053')
  // The facet keeps every plant pickable while one is picked.
  await expect(plants).toContainText('1000')

  // A runbook note for the next person.
  const note = `Finance opens the new period per company code at month start (MMPV); replay the group after it opened. ${Date.now()}`
  await page.getByRole('textbox', { name: 'New runbook note' }).fill(note)
  await page.getByRole('button', { name: 'Add note' }).click()
  await expect(page.getByTestId('runbook-notes')).toContainText(note)
  await expect(page.getByTestId('runbook-notes')).toContainText(DEMO.operator.email)
  // Still there after a reload (stored, not local state).
  await page.reload()
  await expect(page.getByTestId('runbook-notes')).toContainText(note)

  // A record: the guidance, and the fix as the primary action.
  await records.getByTestId('record-link').first().click()
  await expect(page).toHaveURL(/\/exceptions\/[0-9a-f-]{36}$/)
  await expect(page.getByTestId('guidance')).toContainText('Posting period closed')
  const actions = page.getByTestId('dl-actions')
  if (await actions.getByTestId('fix-first').count()) {
    await expect(actions.getByRole('button', { name: 'Mark fixed & replay…' })).toBeVisible()
    await expect(actions.getByRole('link', { name: 'Replay…', exact: true })).toHaveCount(0)
  } else {
    // Only when the record is no longer replayable (resolved meanwhile): no replay offered at all.
    await expect(actions).toContainText('Not replayable')
  }
})
