import type { Metadata } from 'next'
import { requirePrincipal } from '@/server/auth/page-session'
import { can } from '@/server/domain/permissions'
import { AlertInbox } from '@/components/alerts/alert-inbox'

export const metadata: Metadata = { title: 'Alerts' }

export default async function AlertsPage() {
  const principal = await requirePrincipal()
  return <AlertInbox canAcknowledge={can(principal, 'triage')} isAdmin={can(principal, 'administer')} />
}
