import Link from 'next/link'
import { tracesHref, type HeaderState } from '@/server/domain/links'
import type { RouterOutputs } from '../trpc/client'
import { formatCount, formatDuration } from '../ui/format'

type Holds = RouterOutputs['kpis']['plant']['report']['holds']

/** How fast a quality hold reaches MES, WMS and ERP, and whether a held lot slipped through. */
export function QualityHold({ hold, h }: { hold: Holds; h: HeaderState }) {
  return (
    <section className="card space-y-2" data-testid="quality-hold">
      <h2 className="font-medium">Quality hold propagation</h2>
      {hold && hold.holds > 0 ? (
        <dl className="grid grid-cols-2 gap-1 text-sm">
          <dt className="text-slate-500">Holds placed</dt>
          <dd>
            <Link href={tracesHref({ flow: ['quality_hold'] }, h)} className="hover:underline">
              {formatCount(hold.holds)}
            </Link>
          </dd>
          <dt className="text-slate-500">Applied in MES, WMS and ERP</dt>
          <dd>{formatCount(hold.propagated)}</dd>
          <dt className="text-slate-500">Propagation p95 / max</dt>
          <dd>
            {formatDuration(hold.propagation_p95_ms)} / {formatDuration(hold.propagation_max_ms)}
          </dd>
          <dt className="text-slate-500">p95 per system (MES · WMS · ERP)</dt>
          <dd>
            {formatDuration(hold.mes_p95_ms)} · {formatDuration(hold.wms_p95_ms)} · {formatDuration(hold.erp_p95_ms)}
          </dd>
          <dt className="text-slate-500">Leakage (held lot consumed or shipped)</dt>
          <dd className={hold.leaks ? 'font-semibold text-red-700 dark:text-red-300' : ''}>{formatCount(hold.leaks)}</dd>
        </dl>
      ) : (
        <p className="text-sm text-slate-500">No quality holds placed in this range.</p>
      )}
    </section>
  )
}
