import type { Metadata } from 'next'
import Link from 'next/link'
import { requirePrincipal } from '@/server/auth/page-session'
import { canAccessPlant } from '@/server/domain/permissions'
import { getRuntime } from '@/server/runtime'
import { getPlant } from '@/server/services/plants'
import { EmptyState } from '@/components/ui/empty-state'
import { formatPlantTime } from '@/components/ui/format'

export const metadata: Metadata = { title: 'Plant' }

export default async function PlantPage({ params }: { params: Promise<{ plant: string }> }) {
  const { plant: code } = await params
  const plant = decodeURIComponent(code)
  const principal = await requirePrincipal()
  const prisma = (await getRuntime()).db.prisma
  // Out-of-scope and unknown plants look alike, so the page does not reveal which plants exist.
  const known = canAccessPlant(principal, plant) ? await prisma.plant.findUnique({ where: { code: plant }, select: { code: true } }) : null
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
  const info = await getPlant(prisma, principal, plant)
  const now = new Date()
  return (
    <section className="space-y-3">
      <h1 className="text-xl font-semibold">
        {info.code} · {info.name}
      </h1>
      <dl className="grid max-w-xl grid-cols-[10rem_1fr] gap-y-1 text-sm">
        <dt className="text-slate-500">Time zone</dt>
        <dd>{info.timeZone}</dd>
        <dt className="text-slate-500">Local time</dt>
        <dd title={now.toISOString()}>{formatPlantTime(now, info.timeZone)}</dd>
        <dt className="text-slate-500">ERP company code</dt>
        <dd>{info.erpCompanyCode ?? '—'}</dd>
        <dt className="text-slate-500">Shifts</dt>
        <dd>{info.shiftCalendar.map((s) => `${s.name} ${s.start}–${s.end}`).join(', ') || '—'}</dd>
      </dl>
    </section>
  )
}
