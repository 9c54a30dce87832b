import type { Metadata } from 'next'
import Link from 'next/link'
import { requirePrincipal } from '@/server/auth/page-session'
import { canAccessPlant } from '@/server/domain/permissions'
import { getRuntime } from '@/server/runtime'
import { ReconciliationView } from '@/components/reconciliation/reconciliation-view'
import { EmptyState } from '@/components/ui/empty-state'

export const metadata: Metadata = { title: 'Reconciliation' }

export default async function ReconciliationPage({ params }: { params: Promise<{ plant: string }> }) {
  const { plant: code } = await params
  const plant = decodeURIComponent(code)
  const principal = await requirePrincipal()
  const prisma = (await getRuntime()).db.prisma
  // Out-of-scope and unknown plants look alike, as on the plant page.
  const known = canAccessPlant(principal, plant) ? await prisma.plant.findUnique({ where: { code: plant }, select: { code: true, timeZone: true } }) : null
  if (!known)
    return (
      <EmptyState title="Not in your plants">
        Plant <code>{plant}</code> is not one of the plants you may see. Ask an admin to add it to your account, or go back to{' '}
        <Link className="underline" href="/">
          your plants
        </Link>
        .
      </EmptyState>
    )
  return <ReconciliationView plant={known.code} timeZone={known.timeZone} />
}
