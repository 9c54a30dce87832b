'use client'

import type { ColumnDef } from '@tanstack/react-table'
import { DataTable } from '../ui/data-table'
import { formatCount } from '../ui/format'
import { RelativeTime } from '../ui/relative-time'
import { Badge } from '../ui/state-badge'
import type { RouterOutputs } from '../trpc/client'

export type TapRow = RouterOutputs['taps']['list'][number]
export type TapAction = 'edit' | 'enable' | 'disable' | 'resume'

/** The tap's state in the one vocabulary: word, icon and colour. */
function StateBadge({ tap }: { tap: TapRow }) {
  if (!tap.enabled) return <Badge tone="neutral" icon="○" label="disabled" title="Not running: enable it to start reading" />
  const state = tap.status?.state ?? 'starting'
  if (state === 'paused') return <Badge tone="bad" icon="⏸" label="paused" title={tap.status?.pausedReason ?? 'paused by the worker'} />
  if (state === 'running') return <Badge tone="ok" icon="●" label="running" title="The worker is reading this tap" />
  return <Badge tone="warn" icon="…" label={state} title="Enabled; the worker has not reported it running yet" />
}

function columns(act: (tap: TapRow, action: TapAction) => void): ColumnDef<TapRow>[] {
  return [
    { id: 'name', accessorFn: (t) => t.name, header: 'Name', meta: { className: 'font-mono' } },
    { id: 'topic', accessorFn: (t) => t.definition.topic, header: 'Topic', meta: { className: 'font-mono' } },
    { id: 'origin', accessorFn: (t) => t.origin, header: 'Origin', cell: ({ row }) => (row.original.origin === 'file' ? 'file (read-only)' : 'console') },
    { id: 'state', accessorFn: (t) => (t.enabled ? (t.status?.state ?? 'starting') : 'disabled'), header: 'State', cell: ({ row }) => <StateBadge tap={row.original} /> },
    { id: 'rate', accessorFn: (t) => t.status?.recordsPerSecond ?? 0, header: 'Records/s', meta: { className: 'tabular-nums' }, cell: ({ row }) => (row.original.status ? row.original.status.recordsPerSecond.toFixed(1) : '—') },
    { id: 'lag', accessorFn: (t) => t.status?.lag ?? 0, header: 'Lag', meta: { className: 'tabular-nums' }, cell: ({ row }) => (row.original.status ? formatCount(row.original.status.lag) : '—') },
    {
      id: 'counts',
      accessorFn: (t) => t.status?.failed ?? 0,
      header: 'Mapped / failed',
      meta: { className: 'tabular-nums' },
      cell: ({ row: { original: t } }) => (t.status ? `${formatCount(t.status.mapped)} / ${formatCount(t.status.failed)}` : '—'),
    },
    {
      id: 'lastError',
      header: 'Last error',
      meta: { wrap: true },
      cell: ({ row: { original: t } }) =>
        t.status?.pausedReason || t.status?.lastError ? (
          <div className="max-w-md space-y-1 text-sm">
            {t.status.pausedReason && (
              <p>
                <strong>Paused:</strong> {t.status.pausedReason}{' '}
                <button type="button" className="btn" onClick={() => act(t, 'resume')}>
                  Resume
                </button>
              </p>
            )}
            {t.status.lastError && <p className="break-words">{t.status.lastError}</p>}
            {t.status.lastErrorAt && <RelativeTime at={t.status.lastErrorAt} />}
          </div>
        ) : (
          '—'
        ),
    },
    {
      id: 'actions',
      header: 'Actions',
      cell: ({ row: { original: t } }) => (
        <div className="flex gap-1 whitespace-nowrap">
          <button type="button" className="btn" onClick={() => act(t, 'edit')}>
            {t.readOnly ? 'View' : 'Edit'}
          </button>
          {!t.readOnly && (
            <button type="button" className="btn" onClick={() => act(t, t.enabled ? 'disable' : 'enable')}>
              {t.enabled ? 'Disable' : 'Enable'}
            </button>
          )}
        </div>
      ),
    },
  ]
}

export function TapsTable({ taps, onAction, empty }: { taps: readonly TapRow[]; onAction: (tap: TapRow, action: TapAction) => void; empty: React.ReactNode }) {
  return (
    <DataTable
      label="Taps"
      data={taps}
      columns={columns(onAction)}
      getRowId={(t) => t.name}
      rowTestId={(t) => `tap-${t.name}`}
      onOpen={(t) => onAction(t, 'edit')}
      empty={empty}
    />
  )
}
