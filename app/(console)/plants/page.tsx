import type { Metadata } from 'next'
import { requirePrincipal } from '@/server/auth/page-session'
import { getRuntime } from '@/server/runtime'
import { listPlants } from '@/server/services/plants/plants'
import { EmptyState } from '@/components/ui/empty-state'
import { PlantsTable } from '@/components/plants/plants-table'

export const metadata: Metadata = { title: 'Plants' }

export default async function PlantsPage() {
  const principal = await requirePrincipal()
  const plants = await listPlants({ db: (await getRuntime()).db.prisma, principal })
  if (plants.length === 0)
    return <EmptyState title="You have no plants yet">An admin assigns plants to your account under Admin → Users.</EmptyState>
  return (
    <section className="space-y-3">
      <h1 className="text-xl font-semibold">Plants</h1>
      <PlantsTable
        plants={plants.map((p) => ({ code: p.code, name: p.name, timeZone: p.timeZone, shiftCalendar: p.shiftCalendar, discovered: p.discovered }))}
        now={new Date().toISOString()}
      />
    </section>
  )
}
