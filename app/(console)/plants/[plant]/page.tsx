import type { Metadata } from 'next'
import Link from 'next/link'
import { requirePrincipal } from '@/server/auth/page-session'
import { canAccessPlant, hasRole } from '@/server/domain/permissions'
import { getRuntime } from '@/server/runtime'
import { getPlant } from '@/server/services/plants/plants'
import { PlantDashboard } from '@/components/dashboards/plant-dashboard'
import { SlaEditor } from '@/components/dashboards/sla-editor'
import { PlantUnavailable } from '@/components/plants/plant-unavailable'
import { formatPlantTime } from '@/components/ui/format'
import { UrlParamNotice } from '@/components/ui/url-param-notice'
import type { RawParams } from '@/server/domain/url-params'
import { pageParamIssues } from '../../url-params'
import { reconciliationHref } from '@/server/domain/links'

export const metadata: Metadata = { title: 'Plant' }

export default async function PlantPage({ params, searchParams }: { params: Promise<{ plant: string }>; searchParams: Promise<RawParams> }) {
  const { plant: code } = await params
  const plant = decodeURIComponent(code)
  const principal = await requirePrincipal()
  const prisma = (await getRuntime()).db.prisma
  const known = canAccessPlant(principal, plant) ? await prisma.plant.findUnique({ where: { code: plant }, select: { code: true } }) : null
  if (!known) return <PlantUnavailable plant={plant} seesAllPlants={principal.plants === 'all'} />
  const info = await getPlant({ db: prisma, principal }, { plant })
  const issues = await pageParamIssues('header', searchParams)
  const now = new Date()
  return (
    <section className="space-y-4">
      <UrlParamNotice key={JSON.stringify(issues)} issues={issues} />
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-xl font-semibold">
          {info.code} · {info.name}
        </h1>
        <p className="text-sm text-slate-500">
          <span title={now.toISOString()}>{formatPlantTime(now, info.timeZone)}</span> · {info.timeZone}
          {info.erpCompanyCode ? ` · ERP company code ${info.erpCompanyCode}` : ''}
          {info.shiftCalendar.length ? ` · shifts ${info.shiftCalendar.map((s) => `${s.name} ${s.start}–${s.end}`).join(', ')}` : ''}
        </p>
        <Link className="text-sm underline" href={reconciliationHref(info.code)} data-testid="reconciliation-link">
          Reconciliation: what is out of sync with ERP
        </Link>
      </div>
      <PlantDashboard plant={info.code} timeZone={info.timeZone} />
      <SlaEditor plant={info.code} canEdit={hasRole(principal, 'admin')} />
    </section>
  )
}
