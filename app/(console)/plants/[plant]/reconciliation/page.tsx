import type { Metadata } from 'next'
import { requirePrincipal } from '@/server/auth/page-session'
import { canAccessPlant } from '@/server/domain/permissions'
import { getRuntime } from '@/server/runtime'
import { ReconciliationView } from '@/components/reconciliation/reconciliation-view'
import { PlantUnavailable } from '@/components/plants/plant-unavailable'

export const metadata: Metadata = { title: 'Reconciliation' }

export default async function ReconciliationPage({ params }: { params: Promise<{ plant: string }> }) {
  const { plant: code } = await params
  const plant = decodeURIComponent(code)
  const principal = await requirePrincipal()
  const prisma = (await getRuntime()).db.prisma
  const known = canAccessPlant(principal, plant) ? await prisma.plant.findUnique({ where: { code: plant }, select: { code: true, timeZone: true } }) : null
  if (!known) return <PlantUnavailable plant={plant} seesAllPlants={principal.plants === 'all'} />
  return <ReconciliationView plant={known.code} timeZone={known.timeZone} />
}
