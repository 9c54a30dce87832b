'use client'

import type { ColumnDef } from '@tanstack/react-table'
import Link from 'next/link'
import type { PlantDefinition } from '@/server/domain/plants'
import { DataTable } from '../ui/data-table'
import { formatPlantTime } from '../ui/format'

type PlantRow = Pick<PlantDefinition, 'code' | 'name' | 'timeZone' | 'shiftCalendar'> & { discovered: boolean }

function columns(now: Date): ColumnDef<PlantRow>[] {
  return [
    {
      id: 'code',
      header: 'Plant',
      meta: { className: 'font-medium' },
      cell: ({ row }) => (
        <Link className="text-sky-700 hover:underline dark:text-sky-400" href={`/plants/${encodeURIComponent(row.original.code)}`}>
          {row.original.code}
        </Link>
      ),
    },
    {
      id: 'name',
      header: 'Name',
      cell: ({ row: { original: p } }) => (
        <>
          {p.name}
          {p.discovered && <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-900">discovered, unnamed</span>}
        </>
      ),
    },
    { id: 'timeZone', header: 'Time zone', cell: ({ row }) => row.original.timeZone },
    { id: 'localTime', header: 'Local time', cell: ({ row }) => <span title={now.toISOString()}>{formatPlantTime(now, row.original.timeZone)}</span> },
    {
      id: 'shifts',
      header: 'Shifts',
      meta: { wrap: true },
      cell: ({ row }) => row.original.shiftCalendar.map((s) => `${s.name} ${s.start}–${s.end}`).join(', ') || '—',
    },
  ]
}

/** The caller's plants with their local time; `now` comes from the server so both renders agree. */
export function PlantsTable({ plants, now }: { plants: PlantRow[]; now: string }) {
  return <DataTable label="Plants" data={plants} columns={columns(new Date(now))} getRowId={(p) => p.code} keyboard={false} />
}
