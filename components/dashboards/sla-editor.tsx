'use client'

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useTRPC } from '../trpc/client'
import { DataTable } from '../ui/data-table'
import { ErrorNotice } from '../ui/empty-state'
import { FlowPicker } from '../ui/pickers'
import { slaColumns } from './sla-columns'

/**
 * The plant's SLA targets: the plant-wide value of each KPI (default from KPIS.md) and flow
 * entries. Admins edit; everyone else reads. Changes are audited on the server and take effect at
 * the next refresh of health, stuck detection and charts.
 */
export function SlaEditor({ plant, canEdit }: { plant: string; canEdit: boolean }) {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const targets = useQuery(trpc.kpis.targets.queryOptions({ plant }))
  const done = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.kpis.pathKey() })
  }
  const set = useMutation(trpc.kpis.setTarget.mutationOptions({ onSuccess: done }))
  const reset = useMutation(trpc.kpis.resetTarget.mutationOptions({ onSuccess: done }))
  const [drafts, setDrafts] = useState<Record<string, string>>({})
  const [flowDraft, setFlowDraft] = useState({ flow: 'goods_movement', kpi: 'e2e_latency_p95', target: '' })

  if (targets.error) return <ErrorNotice error={targets.error} />
  if (!targets.data) return null
  const error = set.error ?? reset.error
  return (
    <details className="card" data-testid="sla-editor">
      <summary className="cursor-pointer font-medium">SLA targets of plant {plant}</summary>
      <p className="mt-2 text-sm text-slate-500">
        Used by the health status, stuck detection (the E2E p95 target is the flow SLA) and the charts&apos; SLA lines.
        {canEdit ? ' Changes are audited.' : ' Only admins can change them.'}
      </p>
      {error && <ErrorNotice error={error} />}
      <div className="mt-2">
        <DataTable
          label={`SLA targets of plant ${plant}`}
          data={targets.data}
          columns={slaColumns({
            plant,
            canEdit,
            saving: set.isPending,
            drafts,
            setDraft: (kpi, value) => setDrafts({ ...drafts, [kpi]: value }),
            save: (kpi, target) => set.mutate({ plant, flow: '*', kpi, target }),
            reset: (kpi, flow) => reset.mutate({ plant, flow, kpi }),
          })}
          getRowId={(t) => t.kpi}
          rowTestId={(t) => `sla-${t.kpi}`}
          keyboard={false}
        />
      </div>
      {canEdit && (
        <form
          className="mt-3 flex flex-wrap items-end gap-2 text-sm"
          onSubmit={(e) => {
            e.preventDefault()
            set.mutate({ plant, flow: flowDraft.flow, kpi: flowDraft.kpi, target: Number(flowDraft.target) })
          }}
        >
          <label className="flex flex-col">
            Flow
            <FlowPicker className="input" value={flowDraft.flow} onChange={(e) => setFlowDraft({ ...flowDraft, flow: e.target.value })} />
          </label>
          <label className="flex flex-col">
            KPI
            <select className="input" value={flowDraft.kpi} onChange={(e) => setFlowDraft({ ...flowDraft, kpi: e.target.value })}>
              {targets.data.map((t) => (
                <option key={t.kpi} value={t.kpi}>
                  {t.label}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col">
            Target
            <input className="input w-24" type="number" step="any" min={0} required value={flowDraft.target} onChange={(e) => setFlowDraft({ ...flowDraft, target: e.target.value })} />
          </label>
          <button className="btn-primary" type="submit" disabled={set.isPending}>
            Set flow target
          </button>
        </form>
      )}
    </details>
  )
}
