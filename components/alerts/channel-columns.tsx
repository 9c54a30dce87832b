'use client'

import type { ColumnDef } from '@tanstack/react-table'
import { ALERT_CHANNEL_KIND_INFO } from '@/server/domain/alerts'
import type { RouterOutputs } from '../trpc/client'
import { formatRelative, formatUtc } from '../ui/format'

type Channel = RouterOutputs['alerts']['channels']['list'][number]

export interface ChannelActions {
  test: (id: string) => void
  testing: boolean
  toggle: (channel: Channel) => void
  remove: (channel: Channel) => void
}

function LastDelivery({ delivery }: { delivery: Channel['lastDelivery'] }) {
  if (!delivery) return <span data-testid="channel-last-delivery">none yet</span>
  const at = delivery.sentAt ?? delivery.createdAt
  return (
    <span data-testid="channel-last-delivery" title={delivery.lastError ?? formatUtc(at)}>
      {delivery.event} · {delivery.status}
      {delivery.attempts > 1 && ` after ${delivery.attempts} attempts`} · {formatRelative(at)}
      {delivery.lastError && <span className="block text-xs text-red-700 dark:text-red-300">{delivery.lastError}</span>}
    </span>
  )
}

/** The notification channels' table: a saved URL shows only its hint. */
export function channelColumns({ test, testing, toggle, remove }: ChannelActions): ColumnDef<Channel>[] {
  return [
    {
      id: 'name',
      header: 'Name',
      cell: ({ row: { original: c } }) => (
        <>
          {c.name}
          {!c.enabled && <span className="text-slate-500"> (off)</span>}
        </>
      ),
    },
    { id: 'kind', header: 'Kind', cell: ({ row }) => ALERT_CHANNEL_KIND_INFO[row.original.kind].label },
    {
      id: 'url',
      header: 'URL',
      meta: { className: 'font-mono text-xs' },
      cell: ({ row }) => <span title="The full URL is not shown after saving">{row.original.urlHint}</span>,
    },
    { id: 'severities', header: 'Severities', cell: ({ row }) => row.original.severities.join(', ') },
    { id: 'plants', header: 'Plants', meta: { wrap: true }, cell: ({ row }) => (row.original.plants.length ? row.original.plants.join(', ') : 'all') },
    { id: 'lastDelivery', header: 'Last notification', meta: { wrap: true }, cell: ({ row }) => <LastDelivery delivery={row.original.lastDelivery} /> },
    {
      id: 'actions',
      header: 'Actions',
      cell: ({ row: { original: c } }) => (
        <div className="flex flex-wrap gap-1">
          <button type="button" className="btn" onClick={() => test(c.id)} disabled={testing}>
            Send test
          </button>
          <button type="button" className="btn" onClick={() => toggle(c)}>
            {c.enabled ? 'Turn off' : 'Turn on'}
          </button>
          <button type="button" className="btn text-red-700" onClick={() => remove(c)}>
            Delete
          </button>
        </div>
      ),
    },
  ]
}
