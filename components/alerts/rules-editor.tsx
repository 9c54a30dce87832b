'use client'

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { ColumnDef } from '@tanstack/react-table'
import { parseAsString, useQueryState } from 'nuqs'
import { ALERT_RULE_KIND_INFO, ALERT_TIMING_DEFAULTS, flowWords } from '@/server/domain/alerts'
import { DataTable } from '../ui/data-table'
import { RowCount } from '../ui/row-count'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { useHeaderState } from '../shell/url-state'
import { useTRPC, type RouterOutputs } from '../trpc/client'
import { SeverityBadge } from './alert-badges'
import { AlertsTabs } from './alerts-tabs'
import { RuleForm, type RuleDraft } from './rule-form'

type RuleRow = RouterOutputs['alerts']['rules']['list'][number]

/** "30 min", "kpi e2e p95 · 60 min window" — the parameters of a rule in a few words. */
function paramSummary(r: RuleRow): string {
  return ALERT_RULE_KIND_INFO[r.kind].fields
    .filter((f) => r.params[f.key] !== undefined)
    .map((f) => `${f.label.toLowerCase()} ${String(r.params[f.key]).replaceAll('_', ' ')}${f.unit ? ` ${f.unit}` : ''}`)
    .join(' · ')
}

/**
 * Rules of the plants in scope (the header's plant narrows them). Everyone sees them; admins add,
 * edit, disable and delete (the server checks the role again).
 */
export function RulesEditor({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const [header] = useHeaderState()
  const [open, setOpen] = useQueryState('rule', parseAsString.withOptions({ history: 'push' }))
  const plants = useQuery(trpc.plants.list.queryOptions())
  const rules = useQuery(trpc.alerts.rules.list.queryOptions({ plants: header.plant ? [header.plant] : undefined }))
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.alerts.rules.pathKey() })
  const create = useMutation(trpc.alerts.rules.create.mutationOptions({ onSuccess: (r) => (void invalidate(), void setOpen(r.id)) }))
  const update = useMutation(trpc.alerts.rules.update.mutationOptions({ onSuccess: () => void invalidate() }))
  const remove = useMutation(trpc.alerts.rules.delete.mutationOptions({ onSuccess: () => (void invalidate(), void setOpen(null)) }))
  const error = rules.error ?? create.error ?? update.error ?? remove.error

  const plantChoices = (plants.data ?? []).map((p) => ({ code: p.code, name: p.name, hasShifts: p.shiftCalendar.length > 0 }))
  const items = rules.data ?? []
  const current = open && open !== 'new' ? items.find((r) => r.id === open) : undefined

  const columns: ColumnDef<RuleRow>[] = [
    { id: 'plant', header: 'Plant', accessorFn: (r) => r.plant },
    {
      id: 'name',
      header: 'Rule',
      accessorFn: (r) => r.name,
      cell: ({ row }) => (
        <span className={row.original.enabled ? '' : 'text-slate-400 line-through'} title={row.original.enabled ? undefined : 'disabled'}>
          {row.original.name}
        </span>
      ),
    },
    { id: 'kind', header: 'Kind', accessorFn: (r) => ALERT_RULE_KIND_INFO[r.kind].label },
    { id: 'scope', header: 'Flow / line', accessorFn: (r) => `${r.flow === '*' ? 'every flow' : flowWords(r.flow)}${r.line ? ` · line ${r.line}` : ''}` },
    { id: 'params', header: 'Parameters', enableSorting: false, cell: ({ row }) => <span className="text-slate-600 dark:text-slate-400">{paramSummary(row.original)}</span> },
    { id: 'severity', header: 'Severity', accessorFn: (r) => r.severity, cell: ({ row }) => <SeverityBadge severity={row.original.severity} /> },
    { id: 'for', header: 'For', accessorFn: (r) => r.forMinutes, cell: ({ row }) => `${row.original.forMinutes} min` },
    { id: 'enabled', header: 'On', accessorFn: (r) => (r.enabled ? 'yes' : 'no') },
  ]

  function save(d: RuleDraft) {
    if (open === 'new') {
      create.mutate({
        plant: d.plant,
        kind: d.kind,
        flow: d.flow,
        line: d.line || null,
        name: d.name || undefined,
        severity: d.severity,
        enabled: d.enabled,
        forMinutes: d.forMinutes,
        keepFiringMinutes: d.keepFiringMinutes,
        params: d.params,
      } as Parameters<typeof create.mutate>[0])
    } else if (current) {
      // Emptied optional fields go back to their default (null removes a key).
      const params: Record<string, unknown> = Object.fromEntries(ALERT_RULE_KIND_INFO[current.kind].fields.map((f) => [f.key, d.params[f.key] ?? null]))
      update.mutate({
        id: current.id,
        change: {
          flow: d.flow,
          line: d.line || null,
          ...(d.name && d.name !== current.name ? { name: d.name } : {}),
          severity: d.severity,
          enabled: d.enabled,
          forMinutes: d.forMinutes,
          keepFiringMinutes: d.keepFiringMinutes,
          params,
        },
      })
    }
  }

  const newDraft: RuleDraft = {
    plant: header.plant ?? plantChoices[0]?.code ?? '',
    kind: 'no_posting',
    flow: 'goods_movement',
    line: '',
    name: '',
    severity: 'warning',
    enabled: true,
    ...ALERT_TIMING_DEFAULTS.no_posting,
    params: { minutes: 30 },
  }

  return (
    <div className="space-y-4">
      <AlertsTabs current="rules" isAdmin={isAdmin} />
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Every plant starts with a default set derived from its SLA targets.{' '}
          {isAdmin ? 'Click a rule to edit or disable it.' : 'Admins edit rules; you see what fires and why.'}
        </p>
        <div className="flex items-center gap-3">
          {rules.data && <RowCount first={1} shown={items.length} total={items.length} />}
          {isAdmin && (
            <button type="button" className="btn-primary" onClick={() => void setOpen('new')}>
              Add rule
            </button>
          )}
        </div>
      </div>
      {error && <ErrorNotice error={error} />}
      <div className={`grid gap-4 ${open && isAdmin ? 'lg:grid-cols-[minmax(0,1fr)_30rem]' : ''}`}>
        <DataTable
          label="Alert rules"
          testId="rules-table"
          data={items}
          columns={columns}
          getRowId={(r) => r.id}
          openId={isAdmin ? open : null}
          onOpen={isAdmin ? (r) => void setOpen(r.id) : undefined}
          onClose={() => void setOpen(null)}
          empty={
            <EmptyState title={rules.isLoading ? 'Loading rules…' : 'No alert rules in these plants'}>
              Default rules appear within a minute of a plant being known to Linetrace (the worker creates them).
              {isAdmin && ' Or add one now.'}
            </EmptyState>
          }
        />
        {isAdmin && open && (open === 'new' || current) && (
          <aside className="card space-y-3 self-start" aria-label="Rule editor">
            <div className="flex items-start justify-between">
              <h2 className="font-semibold">{current ? current.name : 'New rule'}</h2>
              <button type="button" className="btn" aria-label="Close editor" onClick={() => void setOpen(null)}>
                ✕
              </button>
            </div>
            <RuleForm
              key={open}
              isNew={open === 'new'}
              plants={plantChoices}
              pending={create.isPending || update.isPending}
              draft={
                current
                  ? { ...current, line: current.line ?? '', params: current.params }
                  : newDraft
              }
              onSubmit={save}
            />
            {update.isSuccess && current && <p role="status" className="text-sm text-emerald-700">Saved.</p>}
            {current && (
              <button
                type="button"
                className="btn text-red-700"
                onClick={() => {
                  if (window.confirm(`Delete “${current.name}”? Its open alert resolves; its history stays.`)) remove.mutate({ id: current.id })
                }}
              >
                Delete rule
              </button>
            )}
          </aside>
        )}
      </div>
    </div>
  )
}
