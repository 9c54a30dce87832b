import type { Metadata } from 'next'
import { requirePrincipal } from '@/server/auth/page-session'
import { can } from '@/server/domain/permissions'
import { ChannelsPanel } from '@/components/alerts/channels-panel'
import { EmptyState } from '@/components/ui/empty-state'

export const metadata: Metadata = { title: 'Alert channels' }

export default async function AlertChannelsPage() {
  const principal = await requirePrincipal()
  if (!can(principal, 'administer'))
    return <EmptyState title="Admins only">Notification channels hold webhook secrets and are managed by admins. Ask one to route alerts to your team.</EmptyState>
  return <ChannelsPanel />
}
