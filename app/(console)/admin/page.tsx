import type { Metadata } from 'next'
import { requirePrincipal } from '@/server/auth/page-session'
import { can } from '@/server/domain/permissions'
import { AdminConsole } from '@/components/admin/admin-console'
import { EmptyState } from '@/components/ui/empty-state'

export const metadata: Metadata = { title: 'Admin' }

export default async function AdminPage() {
  const principal = await requirePrincipal()
  if (!can(principal, 'administer'))
    return <EmptyState title="Admins only">Users, plants and API tokens are managed by admins. Ask one if you need a change.</EmptyState>
  return <AdminConsole currentUser={principal.label} />
}
