'use client'

import type { ColumnDef } from '@tanstack/react-table'
import { ALERT_SILENCE_KIND_INFO } from '@/server/domain/alerts'
import type { RouterOutputs } from '../trpc/client'
import { formatPlantTime, formatUtc } from '../ui/format'
import { flowLabel } from '../ui/pickers'

type Silence = RouterOutputs['alerts']['silences']['list'][number]

export interface SilenceColumnsProps {
  /** Rule names by id, for "applies to". */
  ruleName: (id: string) => string | undefined
  timeZone: (plant: string) => string
  /** Ending is offered while a window still runs (or is still to come). */
  end: ((id: string) => void) | null
  now: number
}

/** Silences and maintenance windows: times in the plant's own zone, UTC on hover. */
export function silenceColumns({ ruleName, timeZone, end, now }: SilenceColumnsProps): ColumnDef<Silence>[] {
  const when = (iso: string, plant: string) => (
    <time dateTime={iso} title={formatUtc(iso)}>
      {formatPlantTime(new Date(iso), timeZone(plant))}
    </time>
  )
  return [
    { id: 'plant', header: 'Plant', cell: ({ row }) => row.original.plant },
    {
      id: 'kind',
      header: 'Kind',
      cell: ({ row: { original: s } }) => (
        <>
          {ALERT_SILENCE_KIND_INFO[s.kind].label}
          {s.active && <span className="ml-1 rounded bg-sky-100 px-1 text-xs text-sky-900 dark:bg-sky-900 dark:text-sky-100">active</span>}
        </>
      ),
    },
    {
      id: 'appliesTo',
      header: 'Applies to',
      cell: ({ row: { original: s } }) => (s.ruleId ? (ruleName(s.ruleId) ?? 'one rule') : s.flow ? flowLabel(s.flow) : 'every rule'),
    },
    { id: 'from', header: 'From', cell: ({ row }) => when(row.original.startsAt, row.original.plant) },
    { id: 'until', header: 'Until', cell: ({ row }) => when(row.original.endsAt, row.original.plant) },
    { id: 'reason', header: 'Reason', meta: { wrap: true }, cell: ({ row }) => row.original.reason },
    { id: 'by', header: 'By', cell: ({ row }) => row.original.createdBy },
    {
      id: 'actions',
      header: '',
      cell: ({ row: { original: s } }) =>
        end &&
        new Date(s.endsAt).getTime() > now && (
          <button type="button" className="btn" onClick={() => end(s.id)}>
            End now
          </button>
        ),
    },
  ]
}
