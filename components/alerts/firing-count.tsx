'use client'

import { useQuery } from '@tanstack/react-query'
import { useTRPC } from '../trpc/client'

/**
 * The firing-alert count next to "Alerts" in the navigation (UI.md header), polled every 30 s.
 * Red when something fires unacknowledged, amber when everything firing is acknowledged.
 */
export function FiringCount() {
  const trpc = useTRPC()
  const { data } = useQuery({ ...trpc.alerts.firingCount.queryOptions(), refetchInterval: 30_000 })
  if (!data || data.firing === 0) return null
  const title = `${data.firing} firing alert${data.firing === 1 ? '' : 's'}${data.firing > data.unacknowledged ? `, ${data.firing - data.unacknowledged} acknowledged` : ''}`
  return (
    <span
      data-testid="firing-alert-count"
      title={title}
      aria-label={title}
      className={`ml-1 inline-flex min-w-5 items-center justify-center rounded-full px-1.5 text-xs font-semibold tabular-nums text-white ${
        data.unacknowledged > 0 ? 'bg-red-700' : 'bg-amber-600'
      }`}
    >
      {data.firing}
    </span>
  )
}
