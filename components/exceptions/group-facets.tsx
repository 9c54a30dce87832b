'use client'

import Link from 'next/link'
import { exceptionsHref } from '@/server/domain/links'
import { useHeaderState } from '../shell/url-state'
import type { RouterOutputs } from '../trpc/client'
import { formatCount } from '../ui/format'
import { useExceptionFilter, apiFilter } from './filters'

type Facets = RouterOutputs['deadLetters']['group']['facets']
type FacetKey = keyof Facets

const LABELS: Record<FacetKey, string> = { plant: 'Plant', flow: 'Flow', material: 'Material', consumerGroup: 'Consumer group' }

/**
 * Where a group happens (Sentry's tag breakdown): counts by plant, flow, material and consumer
 * group. Each value is a link that narrows the records to it (plants within the header's plant
 * scope, `flow`, `material`, `consumerGroup` in the URL); the picked value links back to "all".
 */
export function GroupFacets({ facets }: { facets: Facets }) {
  const [header] = useHeaderState()
  const [f] = useExceptionFilter()
  const filter = apiFilter(f)
  const picked: Record<FacetKey, string | null> = {
    plant: f.plants?.[0] ?? null,
    flow: f.flow?.[0] ?? null,
    material: f.material,
    consumerGroup: f.consumerGroup,
  }
  const hrefFor = (key: FacetKey, value: string | null) => {
    const next = { ...filter }
    if (key === 'plant') next.plants = value ? [value] : undefined
    if (key === 'flow') next.flow = value ? [value] : undefined
    if (key === 'material') next.material = value ?? undefined
    if (key === 'consumerGroup') next.consumerGroup = value ?? undefined
    return exceptionsHref(next, header)
  }

  return (
    <section className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4" aria-label="Where it happens" data-testid="group-facets">
      {(Object.keys(LABELS) as FacetKey[]).map((key) => (
        <div key={key} className="card text-sm" data-testid={`facet-${key}`}>
          <h3 className="mb-1 font-semibold">
            {LABELS[key]}
            {picked[key] && (
              <Link className="ml-2 font-normal underline" href={hrefFor(key, null)} aria-label={`Show every ${LABELS[key].toLowerCase()}`}>
                × all
              </Link>
            )}
          </h3>
          <ul className="space-y-0.5">
            {facets[key].slice(0, 8).map((v) => (
              <li key={v.value ?? '∅'} className="flex justify-between gap-2">
                {v.value === null ? (
                  <span className="text-slate-500">not known</span>
                ) : (
                  <Link
                    className={`truncate underline ${picked[key] === v.value ? 'font-semibold' : ''}`}
                    href={hrefFor(key, v.value)}
                    aria-current={picked[key] === v.value ? 'true' : undefined}
                    data-testid="facet-value"
                  >
                    {v.value}
                  </Link>
                )}
                <span className="tabular-nums text-slate-500">{formatCount(v.count)}</span>
              </li>
            ))}
            {facets[key].length === 0 && <li className="text-slate-500">none in this range</li>}
            {facets[key].length > 8 && <li className="text-slate-500">and {formatCount(facets[key].length - 8)} more</li>}
          </ul>
        </div>
      ))}
    </section>
  )
}
