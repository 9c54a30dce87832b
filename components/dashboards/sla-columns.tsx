'use client'

import type { ColumnDef } from '@tanstack/react-table'
import type { RouterOutputs } from '../trpc/client'

type Target = RouterOutputs['kpis']['targets'][number]

export interface SlaColumnsProps {
  plant: string
  canEdit: boolean
  saving: boolean
  drafts: Record<string, string>
  setDraft: (kpi: string, value: string) => void
  save: (kpi: Target['kpi'], target: number) => void
  reset: (kpi: Target['kpi'], flow: string) => void
}

/** One row per KPI: its default, the plant's value (a small form for admins) and its flow entries. */
export function slaColumns({ plant, canEdit, saving, drafts, setDraft, save, reset }: SlaColumnsProps): ColumnDef<Target>[] {
  return [
    {
      id: 'kpi',
      header: 'KPI',
      cell: ({ row: { original: t } }) => (
        <>
          {t.label} <span className="text-xs text-slate-500">({t.direction === 'max' ? '≤' : '≥'}, {t.unit})</span>
        </>
      ),
    },
    { id: 'default', header: 'Default', meta: { className: 'tabular-nums' }, cell: ({ row }) => row.original.default },
    {
      id: 'plant',
      header: 'Plant',
      cell: ({ row: { original: t } }) =>
        canEdit ? (
          <form
            className="flex gap-1"
            onSubmit={(e) => {
              e.preventDefault()
              save(t.kpi, Number(drafts[t.kpi] ?? t.plant))
            }}
          >
            <input
              aria-label={`${t.label} target for plant ${plant}`}
              className="input w-24"
              type="number"
              step="any"
              min={0}
              value={drafts[t.kpi] ?? String(t.plant)}
              onChange={(e) => setDraft(t.kpi, e.target.value)}
            />
            <button className="btn" type="submit" disabled={saving}>
              Save
            </button>
          </form>
        ) : (
          <span className="tabular-nums">{t.plant}</span>
        ),
    },
    {
      id: 'flows',
      header: 'Flow entries',
      meta: { wrap: true },
      cell: ({ row: { original: t } }) =>
        t.flows.map((f) => (
          <span key={f.flow} className="mr-2 inline-flex items-center gap-1" title={`by ${f.updatedBy ?? 'unknown'}`}>
            {f.flow}: <span className="tabular-nums">{f.target}</span>
            {canEdit && (
              <button className="text-xs underline" type="button" onClick={() => reset(t.kpi, f.flow)} aria-label={`Reset ${t.label} for ${f.flow}`}>
                reset
              </button>
            )}
          </span>
        )),
    },
  ]
}
