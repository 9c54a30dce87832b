import { expect, test } from '@playwright/test'
import { DEMO, mainNav, signIn } from './helpers'

test('an anonymous visitor is sent to the login page', async ({ page }) => {
  await page.goto('/')
  await expect(page).toHaveURL(/\/login/)
})

test('a wrong password says what to do', async ({ page }) => {
  await page.goto('/login')
  await page.getByLabel('Email').fill(DEMO.viewer.email)
  await page.getByLabel('Password').fill('not-the-password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('alert').filter({ hasText: 'Wrong email or password' })).toBeVisible()
})

test('the admin sees every plant and the Admin page', async ({ page }) => {
  await signIn(page, DEMO.admin)
  await expect(mainNav(page).getByRole('link', { name: 'Admin' })).toBeVisible()
  await expect(page.getByTestId('plant-tiles').getByRole('listitem')).toHaveCount(5)
  await mainNav(page).getByRole('link', { name: 'Admin' }).click()
  await expect(page.getByTestId('user-row-operator@linetrace.local')).toBeVisible()
})

test('the operator sees only their two plants and no Admin entry', async ({ page }) => {
  await signIn(page, DEMO.operator)
  const tiles = page.getByTestId('plant-tiles').getByRole('listitem')
  await expect(tiles).toHaveCount(2)
  await expect(page.getByTestId('plant-tile-1000')).toBeVisible()
  await expect(page.getByTestId('plant-tile-2000')).toBeVisible()
  await expect(mainNav(page).getByRole('link', { name: 'Replays' })).toBeVisible()
  await expect(mainNav(page).getByRole('link', { name: 'Admin' })).toHaveCount(0)
  await page.getByLabel('Plant', { exact: true }).click()
  await expect(page.getByLabel('Plant', { exact: true }).locator('option')).toHaveText(['All my plants (2)', /^1000/, /^2000/])
  await page.goto('/admin')
  await expect(page.getByText('Admins only')).toBeVisible()
})

test('the viewer sees one plant, no Admin or Replays, and a clear page for another plant', async ({ page }) => {
  await signIn(page, DEMO.viewer)
  await expect(page.getByTestId('plant-tiles').getByRole('listitem')).toHaveCount(1)
  await expect(page.getByTestId('plant-tile-1000')).toBeVisible()
  await expect(mainNav(page).getByRole('link', { name: 'Admin' })).toHaveCount(0)
  await expect(mainNav(page).getByRole('link', { name: 'Replays' })).toHaveCount(0)
  await page.goto('/plants/2000')
  await expect(page.getByText('Not in your plants')).toBeVisible()
})

test('the time range and plant live in the URL and survive a reload', async ({ page }) => {
  await signIn(page, DEMO.operator)
  await page.getByLabel('Time range').selectOption('7d')
  await page.getByLabel('Plant', { exact: true }).selectOption('2000')
  await expect(page).toHaveURL(/range=7d/)
  await expect(page).toHaveURL(/plant=2000/)
  await expect(page.getByTestId('plant-tiles').getByRole('listitem')).toHaveCount(1)
  await page.reload()
  await expect(page.getByLabel('Time range')).toHaveValue('7d')
  await expect(page.getByTestId('plant-tile-2000')).toBeVisible()
})

test('an admin creates a scoped user who then signs in and sees only that plant', async ({ page, browser }) => {
  await signIn(page, DEMO.admin)
  await page.goto('/admin')
  const form = page.getByRole('form', { name: 'Create user' })
  const email = `planner-${Date.now()}@example.com`
  await form.getByLabel('Email').fill(email)
  await form.getByLabel('Name').fill('Pune Planner')
  await form.getByLabel('Initial password').fill('pune-planner-pw')
  await form.getByLabel('Role').selectOption('viewer')
  await form.getByLabel('3000').check()
  await form.getByRole('button', { name: 'Create user' }).click()
  await expect(page.getByTestId(`user-row-${email}`)).toBeVisible()

  const other = await browser.newContext()
  const newPage = await other.newPage()
  await signIn(newPage, { email, password: 'pune-planner-pw' })
  await expect(newPage.getByTestId('plant-tiles').getByRole('listitem')).toHaveCount(1)
  await expect(newPage.getByTestId('plant-tile-3000')).toBeVisible()
  await other.close()
})

test('an admin reviews a role and plant change in a dialog before it is saved, and the audit log shows it', async ({ page }) => {
  await signIn(page, DEMO.admin)
  await page.goto('/admin')
  const form = page.getByRole('form', { name: 'Create user' })
  const email = `shift-lead-${Date.now()}@example.com`
  await form.getByLabel('Email').fill(email)
  await form.getByLabel('Name').fill('Shift Lead')
  await form.getByLabel('Initial password').fill('shift-lead-pw')
  await form.getByLabel('1000').check()
  await form.getByRole('button', { name: 'Create user' }).click()
  const row = page.getByTestId(`user-row-${email}`)
  const edit = async () => {
    await row.getByLabel(`Role of ${email}`).selectOption('operator')
    await row.getByLabel('2100').check()
    await row.getByLabel('1000').uncheck()
    await row.getByRole('button', { name: 'Review & save…' }).click()
  }

  await edit()
  const dialog = page.getByRole('dialog', { name: `Change Shift Lead (${email})?` })
  await expect(dialog.getByTestId('pending-changes')).toHaveText(/role: viewer → operator\s*plants: \+ 2100, − 1000/)
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  await page.reload()
  await expect(row.getByLabel(`Role of ${email}`)).toHaveValue('viewer')

  await edit()
  await dialog.getByRole('button', { name: 'Save changes' }).click()
  await expect(page.getByRole('status').filter({ hasText: `Saved ${email}` })).toContainText('role: viewer → operator; plants: + 2100, − 1000')
  await page.reload()
  await expect(row.getByLabel(`Role of ${email}`)).toHaveValue('operator')
  await expect(page.getByRole('table', { name: 'Audit log' }).getByRole('row').filter({ hasText: email }).first()).toContainText('role: viewer → operator')
})
