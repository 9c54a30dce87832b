import type { Metadata } from 'next'
import Link from 'next/link'
import { requirePrincipal } from '@/server/auth/page-session'
import { getRuntime } from '@/server/runtime'
import { listPlants } from '@/server/services/plants/plants'
import { EmptyState } from '@/components/ui/empty-state'
import { formatPlantTime } from '@/components/ui/format'

export const metadata: Metadata = { title: 'Plants' }

export default async function PlantsPage() {
  const principal = await requirePrincipal()
  const plants = await listPlants({ db: (await getRuntime()).db.prisma, principal })
  const now = new Date()
  if (plants.length === 0)
    return <EmptyState title="You have no plants yet">An admin assigns plants to your account under Admin → Users.</EmptyState>
  return (
    <section className="space-y-3">
      <h1 className="text-xl font-semibold">Plants</h1>
      <table className="w-full text-left text-sm">
        <thead className="sticky top-14 bg-slate-50 text-xs uppercase text-slate-500 dark:bg-slate-950">
          <tr>
            <th className="py-2 pr-4">Plant</th>
            <th className="py-2 pr-4">Name</th>
            <th className="py-2 pr-4">Time zone</th>
            <th className="py-2 pr-4">Local time</th>
            <th className="py-2 pr-4">Shifts</th>
          </tr>
        </thead>
        <tbody>
          {plants.map((p) => (
            <tr key={p.code} className="border-t border-slate-200 dark:border-slate-800">
              <td className="py-2 pr-4 font-medium">
                <Link className="text-sky-700 hover:underline dark:text-sky-400" href={`/plants/${encodeURIComponent(p.code)}`}>
                  {p.code}
                </Link>
              </td>
              <td className="py-2 pr-4">
                {p.name}
                {p.discovered && <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-900">discovered, unnamed</span>}
              </td>
              <td className="py-2 pr-4">{p.timeZone}</td>
              <td className="py-2 pr-4" title={now.toISOString()}>
                {formatPlantTime(now, p.timeZone)}
              </td>
              <td className="py-2 pr-4">{p.shiftCalendar.map((s) => `${s.name} ${s.start}–${s.end}`).join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
