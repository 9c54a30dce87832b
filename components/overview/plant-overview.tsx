'use client'

import { useQuery } from '@tanstack/react-query'
import Link from 'next/link'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { formatCount } from '../ui/format'
import { useHeaderState } from '../shell/url-state'
import { useTRPC } from '../trpc/client'

export function PlantOverview() {
  const trpc = useTRPC()
  const [state] = useHeaderState()
  const plants = useQuery(trpc.plants.list.queryOptions())
  const counts = useQuery({
    ...trpc.overview.hopCounts.queryOptions({ range: state.range, from: state.from, to: state.to, plants: state.plant ? [state.plant] : undefined }),
    refetchInterval: 30_000,
  })

  if (plants.error) return <ErrorNotice error={plants.error} />
  if (counts.error) return <ErrorNotice error={counts.error} />
  if (!plants.data || !counts.data) return <p className="text-sm text-slate-500">Loading plants…</p>
  if (plants.data.length === 0)
    return (
      <EmptyState title="You have no plants yet">
        An admin assigns plants to your account under Admin → Users. Plants also appear here when telemetry from a new plant arrives.
      </EmptyState>
    )

  const byCode = new Map(plants.data.map((p) => [p.code, p]))
  const total = counts.data.plants.reduce((sum, p) => sum + p.events, 0)

  return (
    <section aria-labelledby="overview-title" className="space-y-4">
      <div className="flex items-baseline justify-between">
        <h1 id="overview-title" className="text-xl font-semibold">
          Plants
        </h1>
        <p className="text-sm text-slate-500 dark:text-slate-400">
          {formatCount(total)} hop events from {counts.data.from.toLocaleString()} to {counts.data.to.toLocaleString()}
        </p>
      </div>
      {total === 0 && (
        <EmptyState title="No hop events in this range yet">
          Telemetry appears here once the ingest worker writes hop events from the telemetry topic (<code>lt.telemetry</code>). Widen the
          time range, or check the ingest indicator in the header: it says when the newest event arrived and how far the worker is behind.
        </EmptyState>
      )}
      <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" data-testid="plant-tiles">
        {counts.data.plants.map(({ plant, events }) => {
          const info = byCode.get(plant)
          return (
            <li key={plant} className="card" data-testid={`plant-tile-${plant}`}>
              <Link href={`/plants/${encodeURIComponent(plant)}`} className="block">
                <div className="flex items-baseline justify-between gap-2">
                  <span className="font-semibold">
                    {plant} · {info?.name ?? 'Unnamed plant'}
                  </span>
                  <span className="text-xs text-slate-500">{info?.timeZone}</span>
                </div>
                <p className="mt-3 text-2xl font-semibold tabular-nums" data-testid="hop-count">
                  {formatCount(events)}
                </p>
                <p className="text-xs text-slate-500 dark:text-slate-400">hop events in range</p>
              </Link>
            </li>
          )
        })}
      </ul>
    </section>
  )
}
