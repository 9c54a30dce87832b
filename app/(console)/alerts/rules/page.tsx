import type { Metadata } from 'next'
import { requirePrincipal } from '@/server/auth/page-session'
import { can } from '@/server/domain/permissions'
import { RulesEditor } from '@/components/alerts/rules-editor'

export const metadata: Metadata = { title: 'Alert rules' }

export default async function AlertRulesPage() {
  const principal = await requirePrincipal()
  return <RulesEditor isAdmin={can(principal, 'administer')} />
}
