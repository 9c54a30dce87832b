import type { Metadata } from 'next'
import { requirePrincipal } from '@/server/auth/page-session'
import { can } from '@/server/domain/permissions'
import { SilencesPanel } from '@/components/alerts/silences-panel'

export const metadata: Metadata = { title: 'Silences and maintenance' }

export default async function AlertSilencesPage() {
  const principal = await requirePrincipal()
  return <SilencesPanel canEdit={can(principal, 'triage')} isAdmin={can(principal, 'administer')} />
}
