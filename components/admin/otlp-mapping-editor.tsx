'use client'

import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent, type ReactNode } from 'react'
import { SPAN_BUSINESS_KEYS } from '@/server/domain/otlp-mapping'
import { ErrorNotice } from '../ui/empty-state'
import { formatUserTime, formatUtc } from '../ui/format'
import { useTRPC, type RouterOutputs } from '../trpc/client'
import { ATTRIBUTE_FIELDS, draftIssues, emptyRule, fromDraft, toDraft, type MappingDraft, type RuleDraft } from './otlp-mapping-draft'

type MappingView = RouterOutputs['admin']['otlp']['mapping']

function FieldError({ issues, path }: { issues: Map<string, string>; path: string }) {
  const message = issues.get(path)
  return message ? (
    <span id={`otlp-err-${path}`} role="alert" className="mt-1 block text-xs text-red-700 dark:text-red-300">
      {message}
    </span>
  ) : null
}

function TextField(props: { label: string; path: string; value: string; issues: Map<string, string>; onChange: (v: string) => void; placeholder?: string; wide?: boolean; labelHidden?: boolean }) {
  const invalid = props.issues.has(props.path)
  return (
    <label className="text-sm">
      <span className={props.labelHidden ? 'sr-only' : undefined}>{props.label}</span>
      <input
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        placeholder={props.placeholder}
        aria-invalid={invalid || undefined}
        aria-describedby={invalid ? `otlp-err-${props.path}` : undefined}
        className={`input mt-1 block ${props.wide ? 'w-96' : 'w-32'}`}
      />
      <FieldError issues={props.issues} path={props.path} />
    </label>
  )
}

function RuleRow(props: { index: number; count: number; rule: RuleDraft; issues: Map<string, string>; onChange: (r: RuleDraft) => void; onMove: (by: -1 | 1) => void; onRemove: () => void }) {
  const { index: i, rule } = props
  const n = i + 1
  const field = (key: keyof RuleDraft, label: string, placeholder: string) => (
    <td className="px-1 align-top">
      <TextField label={`Rule ${n} ${label}`} labelHidden path={`services.${i}.${key}`} value={rule[key]} issues={props.issues} placeholder={placeholder} onChange={(v) => props.onChange({ ...rule, [key]: v })} />
    </td>
  )
  return (
    <tr data-testid={`otlp-rule-${i}`}>
      <td className="px-1 align-top tabular-nums">{n}</td>
      {field('service', 'service pattern', 'e.g. camel-*')}
      {field('hop', 'hop', 'default')}
      {field('flow', 'flow', 'default')}
      {field('plant', 'plant', 'default')}
      {field('processEventType', 'process event type', 'integration.transformed')}
      <td className="whitespace-nowrap px-1 align-top">
        <button type="button" className="btn" aria-label={`Move rule ${n} up`} disabled={i === 0} onClick={() => props.onMove(-1)}>
          ↑
        </button>
        <button type="button" className="btn" aria-label={`Move rule ${n} down`} disabled={i === props.count - 1} onClick={() => props.onMove(1)}>
          ↓
        </button>
        <button type="button" className="btn" aria-label={`Remove rule ${n}`} onClick={props.onRemove}>
          Remove
        </button>
      </td>
    </tr>
  )
}

function Fieldset({ legend, children }: { legend: string; children: ReactNode }) {
  return (
    <fieldset className="space-y-2">
      <legend className="font-medium">{legend}</legend>
      {children}
    </fieldset>
  )
}

/**
 * The mapping editor; keyed by the stored version, so after a save it starts again from what is
 * stored. `saved` (kept by the panel, which outlives that remount) says the last save succeeded.
 */
export function MappingEditor({ mapping, saved, onSaved }: { mapping: MappingView; saved: boolean; onSaved: (saved: boolean) => void }) {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const [draft, setDraft] = useState<MappingDraft>(() => toDraft(mapping.config))
  const [tried, setTried] = useState(false)
  const save = useMutation(
    trpc.admin.otlp.saveMapping.mutationOptions({ onSuccess: () => (onSaved(true), queryClient.invalidateQueries({ queryKey: trpc.admin.otlp.pathKey() })) }),
  )
  const issues = draftIssues(draft)
  // Errors show once the admin tried to save: a half-typed field is not an error yet.
  const shown = tried ? issues : new Map<string, string>()
  const set = (change: Partial<MappingDraft>) => (save.reset(), onSaved(false), setDraft((d) => ({ ...d, ...change })))
  const setRule = (i: number, rule: RuleDraft) => set({ services: draft.services.map((r, j) => (j === i ? rule : r)) })
  const moveRule = (i: number, by: -1 | 1) => {
    const services = [...draft.services]
    ;[services[i], services[i + by]] = [services[i + by]!, services[i]!]
    set({ services })
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    setTried(true)
    if (issues.size === 0) save.mutate({ config: fromDraft(draft), baseUpdatedAt: mapping.updatedAt })
  }

  return (
    <form onSubmit={onSubmit} className="card space-y-4" aria-label="OpenTelemetry mapping" noValidate>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        {mapping.stored && mapping.updatedAt ? (
          <>
            Saved by {mapping.updatedBy} at <time title={formatUtc(mapping.updatedAt)}>{formatUserTime(mapping.updatedAt)}</time>.
          </>
        ) : (
          'The defaults apply: no mapping was saved yet.'
        )}{' '}
        The worker picks up a saved mapping within seconds; it applies to spans mapped after that (hops already written keep their plant and hop).
      </p>
      <Fieldset legend="Defaults">
        <div className="flex flex-wrap gap-3">
          <TextField
            label="Default plant"
            path="defaultPlant"
            value={draft.defaultPlant}
            issues={shown}
            placeholder={mapping.envDefaultPlant ?? 'none'}
            onChange={(v) => set({ defaultPlant: v })}
          />
          <TextField label="Default hop" path="defaultHop" value={draft.defaultHop} issues={shown} onChange={(v) => set({ defaultHop: v })} />
          <TextField label="Default flow" path="defaultFlow" value={draft.defaultFlow} issues={shown} onChange={(v) => set({ defaultFlow: v })} />
        </div>
        <p className="text-xs text-slate-500">
          A span&apos;s plant: its <code>linetrace.plant</code> attribute (names below), else its service rule&apos;s plant, else the default plant
          {mapping.envDefaultPlant ? (
            <>
              {' '}
              (empty: OTLP_DEFAULT_PLANT, <code>{mapping.envDefaultPlant}</code>)
            </>
          ) : (
            ' (empty and no OTLP_DEFAULT_PLANT: such spans are unmapped, reason no_plant)'
          )}
          .
        </p>
      </Fieldset>
      <Fieldset legend="Service rules (the first whose pattern matches service.name applies; * matches anything)">
        <div className="overflow-x-auto">
          <table className="text-sm">
            <thead>
              <tr className="text-left">
                <th className="px-1">#</th>
                <th className="px-1">Service pattern</th>
                <th className="px-1">Hop</th>
                <th className="px-1">Flow</th>
                <th className="px-1">Plant</th>
                <th className="px-1">Process event type</th>
                <th className="px-1">
                  <span className="sr-only">Order and removal</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {draft.services.map((rule, i) => (
                <RuleRow
                  key={i}
                  index={i}
                  count={draft.services.length}
                  rule={rule}
                  issues={shown}
                  onChange={(r) => setRule(i, r)}
                  onMove={(by) => moveRule(i, by)}
                  onRemove={() => set({ services: draft.services.filter((_, j) => j !== i) })}
                />
              ))}
            </tbody>
          </table>
        </div>
        <button type="button" className="btn" onClick={() => set({ services: [...draft.services, emptyRule()] })}>
          Add rule
        </button>
      </Fieldset>
      <Fieldset legend="Attribute names (comma-separated, tried in order; the first present wins)">
        <div className="flex flex-wrap gap-3">
          {ATTRIBUTE_FIELDS.map((f) => (
            <TextField key={f} wide label={`${f} attributes`} path={`attributes.${f}`} value={draft.attributes[f]} issues={shown} onChange={(v) => set({ attributes: { ...draft.attributes, [f]: v } })} />
          ))}
        </div>
      </Fieldset>
      <Fieldset legend="Business-key attribute names">
        <div className="flex flex-wrap gap-3">
          {SPAN_BUSINESS_KEYS.map((k) => (
            <TextField
              key={k}
              wide
              label={`${k} attributes`}
              path={`attributes.businessKeys.${k}`}
              value={draft.businessKeys[k]}
              issues={shown}
              onChange={(v) => set({ businessKeys: { ...draft.businessKeys, [k]: v } })}
            />
          ))}
        </div>
      </Fieldset>
      <Fieldset legend="ERP hosts">
        <TextField wide label="Hosts whose HTTP client spans are ERP postings (patterns)" path="erpHosts" value={draft.erpHosts} issues={shown} onChange={(v) => set({ erpHosts: v })} />
      </Fieldset>
      {tried && issues.size > 0 && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          Not saved: {issues.size === 1 ? 'one field needs' : `${issues.size} fields need`} a fix ({[...issues.keys()].join(', ')}).
        </p>
      )}
      {save.error && <ErrorNotice error={save.error} />}
      {saved && (
        <p role="status" className="text-sm text-emerald-700 dark:text-emerald-300">
          Mapping saved; the change is in the audit log.
        </p>
      )}
      <div className="flex gap-2">
        <button type="submit" className="btn-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save mapping'}
        </button>
        <button type="button" className="btn" onClick={() => (setTried(false), save.reset(), onSaved(false), setDraft(toDraft(mapping.config)))}>
          Discard changes
        </button>
      </div>
    </form>
  )
}
