'use client'

import { useState, type FormEvent } from 'react'
import {
  ALERT_KPI_INFO,
  ALERT_KPIS,
  ALERT_RULE_KIND_INFO,
  ALERT_TIMING_DEFAULTS,
  ALERT_RULE_KINDS,
  ALERT_SEVERITIES,
  type AlertRuleKind,
} from '@/server/domain/alerts'
import { FlowPicker, PlantPicker } from '../ui/pickers'

/** What the form edits; `params` as the kind's fields (numbers, or the KPI name). */
export interface RuleDraft {
  plant: string
  kind: AlertRuleKind
  flow: string
  line: string
  name: string
  severity: (typeof ALERT_SEVERITIES)[number]
  enabled: boolean
  forMinutes: number
  keepFiringMinutes: number
  params: Record<string, unknown>
}

/** Form values → params: empty optional fields are left out, numbers are numbers. */
function paramsOf(kind: AlertRuleKind, form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of ALERT_RULE_KIND_INFO[kind].fields) {
    const raw = String(form.get(`param.${f.key}`) ?? '').trim()
    if (raw === '') continue
    out[f.key] = f.type === 'kpi' ? raw : Number(raw)
  }
  return out
}

/**
 * Create or edit a rule. The kind is chosen once (a rule never changes kind); its fields come from
 * the domain's field descriptors, so the form and the server's zod schema describe the same thing.
 */
export function RuleForm({
  draft,
  plants,
  isNew,
  pending,
  onSubmit,
}: {
  draft: RuleDraft
  plants: { code: string; name: string; hasShifts: boolean }[]
  isNew: boolean
  pending: boolean
  onSubmit: (draft: RuleDraft) => void
}) {
  const [kind, setKind] = useState<AlertRuleKind>(draft.kind)
  const [plant, setPlant] = useState(draft.plant)
  const info = ALERT_RULE_KIND_INFO[kind]
  // A new rule starts from its kind's hysteresis (the API's defaults too); an edit shows the rule's own.
  const timing = isNew ? ALERT_TIMING_DEFAULTS[kind] : draft
  const noShifts = kind === 'no_posting' && plants.find((p) => p.code === plant)?.hasShifts === false

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    onSubmit({
      plant,
      kind,
      flow: String(form.get('flow') || '*'),
      line: String(form.get('line') ?? '').trim(),
      name: String(form.get('name') ?? '').trim(),
      severity: String(form.get('severity')) as RuleDraft['severity'],
      enabled: form.get('enabled') === 'on',
      forMinutes: Number(form.get('forMinutes') || 0),
      keepFiringMinutes: Number(form.get('keepFiringMinutes') || 0),
      params: paramsOf(kind, form),
    })
  }

  return (
    <form onSubmit={submit} className="space-y-3 text-sm" aria-label={isNew ? 'New alert rule' : 'Edit alert rule'}>
      <div className="grid grid-cols-2 gap-3">
        <label>
          Plant
          <PlantPicker className="input mt-1 block w-full" plants={plants} value={plant} onChange={(e) => setPlant(e.target.value)} disabled={!isNew} />
        </label>
        <label>
          Kind
          <select className="input mt-1 block w-full" value={kind} onChange={(e) => setKind(e.target.value as AlertRuleKind)} disabled={!isNew}>
            {ALERT_RULE_KINDS.map((k) => (
              <option key={k} value={k}>
                {ALERT_RULE_KIND_INFO[k].label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="text-slate-600 dark:text-slate-400">{info.description}</p>
      {noShifts && (
        <p role="note" className="rounded border border-amber-300 bg-amber-50 p-2 dark:border-amber-800 dark:bg-amber-950">
          Plant {plant} has no shift calendar yet: a non-event rule stays silent until an admin sets its shifts.
        </p>
      )}
      <fieldset className="grid grid-cols-2 gap-3">
        <legend className="sr-only">Parameters</legend>
        {info.fields.map((f) => (
          <label key={`${kind}-${f.key}`} title={f.help}>
            {f.label}
            {f.unit ? ` (${f.unit})` : ''}
            {f.type === 'kpi' ? (
              <select name={`param.${f.key}`} className="input mt-1 block w-full" defaultValue={String(draft.params[f.key] ?? ALERT_KPIS[0])}>
                {ALERT_KPIS.map((k) => (
                  <option key={k} value={k}>
                    {ALERT_KPI_INFO[k].label}
                  </option>
                ))}
              </select>
            ) : (
              <input
                name={`param.${f.key}`}
                type="number"
                step={f.type === 'int' ? 1 : 'any'}
                required={!f.optional}
                className="input mt-1 block w-full"
                defaultValue={draft.params[f.key] === undefined ? '' : String(draft.params[f.key])}
                placeholder={f.optional ? 'empty: default' : undefined}
              />
            )}
            <span className="mt-0.5 block text-xs text-slate-500">{f.help}</span>
          </label>
        ))}
      </fieldset>
      <div className="grid grid-cols-2 gap-3">
        <label>
          Flow
          <FlowPicker name="flow" className="input mt-1 block w-full" any="every flow" anyValue="*" defaultValue={draft.flow} />
        </label>
        <label>
          Line (optional)
          <input name="line" className="input mt-1 block w-full" defaultValue={draft.line} placeholder="e.g. L03" pattern="[A-Za-z0-9_.\-]{1,32}" />
        </label>
        <label>
          Severity
          <select name="severity" className="input mt-1 block w-full" defaultValue={draft.severity}>
            {ALERT_SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="flex items-center gap-2 pt-5">
          <input type="checkbox" name="enabled" defaultChecked={draft.enabled} />
          Enabled
        </label>
        <label title="The condition must hold at every evaluation for this long before the alert fires.">
          For (min)
          <input key={`for-${kind}`} name="forMinutes" type="number" min={0} max={1440} step={1} className="input mt-1 block w-full" defaultValue={timing.forMinutes} />
        </label>
        <label title="A firing alert resolves only after its condition has been clear for this long.">
          Keep firing (min)
          <input key={`keep-${kind}`} name="keepFiringMinutes" type="number" min={0} max={1440} step={1} className="input mt-1 block w-full" defaultValue={timing.keepFiringMinutes} />
        </label>
      </div>
      <label className="block">
        Name (empty: derived from the rule)
        <input name="name" className="input mt-1 block w-full" defaultValue={draft.name} maxLength={120} />
      </label>
      <button type="submit" className="btn-primary" disabled={pending}>
        {isNew ? 'Create rule' : 'Save rule'}
      </button>
    </form>
  )
}
