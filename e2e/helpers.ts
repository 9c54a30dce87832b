import { expect, type Page } from '@playwright/test'

export const DEMO = {
  admin: { email: 'admin@linetrace.local', password: 'linetrace-admin' },
  operator: { email: 'operator@linetrace.local', password: 'linetrace-operator' },
  viewer: { email: 'viewer@linetrace.local', password: 'linetrace-viewer' },
} as const

export const DEMO_ADMIN_TOKEN = 'lt-demo-admin-token-change-me'

export async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto('/login')
  await page.getByLabel('Email').fill(who.email)
  await page.getByLabel('Password').fill(who.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByTestId('current-user')).toContainText(who.email)
}

export function mainNav(page: Page) {
  return page.getByRole('navigation', { name: 'Main' })
}
