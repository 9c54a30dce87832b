import type { Metadata } from 'next'
import { requirePrincipal } from '@/server/auth/page-session'
import { can } from '@/server/domain/permissions'
import { TapsPage } from '@/components/taps/taps-page'
import { EmptyState } from '@/components/ui/empty-state'

export const metadata: Metadata = { title: 'Taps' }

export default async function AdminTapsPage() {
  const principal = await requirePrincipal()
  if (!can(principal, 'administer'))
    return <EmptyState title="Admins only">Topic taps are managed by admins. Ask one if a plant&apos;s topic should be tapped.</EmptyState>
  return <TapsPage />
}
