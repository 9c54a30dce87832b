'use client'

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { FLOWS } from '@/server/domain/hop-event'
import { useTRPC } from '../trpc/client'
import { ErrorNotice } from '../ui/empty-state'

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
      <table className="mt-2 w-full text-sm">
        <thead className="text-left text-xs text-slate-500">
          <tr>
            <th className="py-1 font-medium">KPI</th>
            <th className="py-1 font-medium">Default</th>
            <th className="py-1 font-medium">Plant</th>
            <th className="py-1 font-medium">Flow entries</th>
          </tr>
        </thead>
        <tbody>
          {targets.data.map((t) => (
            <tr key={t.kpi} className="border-t border-slate-100 align-top dark:border-slate-800" data-testid={`sla-${t.kpi}`}>
              <td className="py-1.5">
                {t.label} <span className="text-xs text-slate-500">({t.direction === 'max' ? '≤' : '≥'}, {t.unit})</span>
              </td>
              <td className="py-1.5 tabular-nums">{t.default}</td>
              <td className="py-1.5">
                {canEdit ? (
                  <form
                    className="flex gap-1"
                    onSubmit={(e) => {
                      e.preventDefault()
                      const value = Number(drafts[t.kpi] ?? t.plant)
                      set.mutate({ plant, flow: '*', kpi: t.kpi, target: value })
                    }}
                  >
                    <input
                      aria-label={`${t.label} target for plant ${plant}`}
                      className="input w-24"
                      type="number"
                      step="any"
                      min={0}
                      value={drafts[t.kpi] ?? String(t.plant)}
                      onChange={(e) => setDrafts({ ...drafts, [t.kpi]: e.target.value })}
                    />
                    <button className="btn" type="submit" disabled={set.isPending}>
                      Save
                    </button>
                  </form>
                ) : (
                  <span className="tabular-nums">{t.plant}</span>
                )}
              </td>
              <td className="py-1.5">
                {t.flows.map((f) => (
                  <span key={f.flow} className="mr-2 inline-flex items-center gap-1" title={`by ${f.updatedBy ?? 'unknown'}`}>
                    {f.flow}: <span className="tabular-nums">{f.target}</span>
                    {canEdit && (
                      <button className="text-xs underline" type="button" onClick={() => reset.mutate({ plant, flow: f.flow, kpi: t.kpi })} aria-label={`Reset ${t.label} for ${f.flow}`}>
                        reset
                      </button>
                    )}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
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
            <select className="input" value={flowDraft.flow} onChange={(e) => setFlowDraft({ ...flowDraft, flow: e.target.value })}>
              {FLOWS.map((f) => (
                <option key={f}>{f}</option>
              ))}
            </select>
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
