'use client'

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { ColumnDef } from '@tanstack/react-table'
import Link from 'next/link'
import { useState, type FormEvent, type ReactNode } from 'react'
import { SPAN_BUSINESS_KEYS } from '@/server/domain/otlp-mapping'
import { DataTable } from '../ui/data-table'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { formatCount, formatUserTime, formatUtc } from '../ui/format'
import { RelativeTime } from '../ui/relative-time'
import { useTRPC, type RouterOutputs } from '../trpc/client'
import { ATTRIBUTE_FIELDS, draftIssues, emptyRule, fromDraft, toDraft, type MappingDraft, type RuleDraft } from './otlp-mapping-draft'

type ServicesView = RouterOutputs['admin']['otlp']['services']
type ServiceRow = ServicesView['services'][number]
type MappingView = RouterOutputs['admin']['otlp']['mapping']

const perMinute = (hops1h: number) => (hops1h === 0 ? '0' : (hops1h / 60).toFixed(hops1h < 600 ? 2 : 1))

const serviceColumns: ColumnDef<ServiceRow>[] = [
  {
    id: 'service',
    accessorFn: (s) => s.service,
    header: 'Service',
    meta: { className: 'font-mono' },
    cell: ({ row }) => row.original.service || <span title="Export requests that could not be decoded carry no service.name">(undecodable requests)</span>,
  },
  { id: 'rate', accessorFn: (s) => s.hops1h, header: 'Hops /min (1 h)', meta: { className: 'tabular-nums' }, cell: ({ row }) => perMinute(row.original.hops1h) },
  { id: 'hops24h', accessorFn: (s) => s.hops24h, header: 'Hops (24 h)', meta: { className: 'tabular-nums' }, cell: ({ row }) => formatCount(row.original.hops24h) },
  {
    id: 'errors',
    accessorFn: (s) => s.errorHops24h,
    header: 'Failed spans (24 h)',
    meta: { className: 'tabular-nums', priority: 2 },
    cell: ({ row }) => formatCount(row.original.errorHops24h),
  },
  {
    id: 'unmapped',
    accessorFn: (s) => s.unmapped24h,
    header: 'Unmapped (1 h / 24 h)',
    meta: { className: 'tabular-nums' },
    cell: ({ row: { original: s } }) => `${formatCount(s.unmapped1h)} / ${formatCount(s.unmapped24h)}`,
  },
  {
    id: 'reasons',
    header: 'Why unmapped (24 h)',
    meta: { wrap: true },
    cell: ({ row }) =>
      row.original.unmappedByReason.length ? (
        <ul>
          {row.original.unmappedByReason.map((r) => (
            <li key={r.reason}>
              <code>{r.reason}</code> × {formatCount(r.count24h)}
            </li>
          ))}
        </ul>
      ) : (
        '—'
      ),
  },
  {
    id: 'lastError',
    header: 'Last error',
    meta: { wrap: true },
    cell: ({ row: { original: s } }) =>
      s.lastError ? (
        <div className="max-w-md space-y-1">
          <p className="break-words">{s.lastError.message}</p>
          <p className="text-xs text-slate-500">
            <RelativeTime at={s.lastError.at} /> · <Link href={`/exceptions/${s.lastError.deadLetterId}`}>open the dead letter</Link>
          </p>
        </div>
      ) : (
        '—'
      ),
  },
  {
    id: 'lastHop',
    accessorFn: (s) => s.lastHopAt?.getTime() ?? 0,
    header: 'Last hop',
    meta: { priority: 3 },
    cell: ({ row }) => (row.original.lastHopAt ? <RelativeTime at={row.original.lastHopAt} /> : 'none'),
  },
]

/** How to point an exporter at Linetrace: shown when no service has sent spans. */
export function ExporterHowTo({ endpoint }: { endpoint: ServicesView['endpoint'] }) {
  return (
    <EmptyState title="No OpenTelemetry spans in the last 24 hours">
      <p>
        Point an OTLP/HTTP trace exporter at <code className="select-all">{endpoint.consoleUrl}</code>
        {endpoint.port > 0 ? (
          <>
            {' '}
            or at the ingest worker&apos;s port <code>{endpoint.port}</code> (<code>http://&lt;worker host&gt;:{endpoint.port}/v1/traces</code>, OTLP_HTTP_PORT)
          </>
        ) : (
          ' (the worker\u2019s own OTLP port is off: OTLP_HTTP_PORT=0)'
        )}
        , e.g. <code>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</code>, with the header{' '}
        <code>Authorization: Bearer &lt;token&gt;</code>. The token needs the <strong>ingest</strong> scope: create one under API tokens below
        (&quot;may send telemetry&quot;).
      </p>
    </EmptyState>
  )
}

export function OtlpServicesTable({ view }: { view: ServicesView }) {
  return (
    <div className="space-y-2">
      <DataTable
        label="OpenTelemetry services"
        data={view.services}
        columns={serviceColumns}
        getRowId={(s) => s.service || '(undecodable)'}
        rowTestId={(s) => `otlp-service-${s.service}`}
        keyboard={false}
        empty={<ExporterHowTo endpoint={view.endpoint} />}
      />
      <p className="text-xs text-slate-500">
        Since {formatUserTime(view.dayFrom)} (hops by span end time, unmapped spans by when they were dead-lettered). Ignored spans (database calls, HTTP
        servers, batch polls: not hops by design) are not counted here; the worker counts them in its metric{' '}
        <code>linetrace_otlp_spans_ignored_total&#123;service&#125;</code> at <code>/api/metrics</code>.
      </p>
    </div>
  )
}

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
function MappingEditor({ mapping, saved, onSaved }: { mapping: MappingView; saved: boolean; onSaved: (saved: boolean) => void }) {
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

export function OtlpPanel() {
  const trpc = useTRPC()
  const services = useQuery(trpc.admin.otlp.services.queryOptions(undefined, { refetchInterval: 30_000 }))
  const mapping = useQuery(trpc.admin.otlp.mapping.queryOptions())
  const [saved, setSaved] = useState(false)
  return (
    <section aria-labelledby="otlp-title" className="space-y-3">
      <h2 id="otlp-title" className="text-lg font-semibold">
        OpenTelemetry
      </h2>
      {services.error && <ErrorNotice error={services.error} />}
      {services.data && <OtlpServicesTable view={services.data} />}
      <h3 className="font-semibold">Span mapping</h3>
      {mapping.error && <ErrorNotice error={mapping.error} />}
      {mapping.data && <MappingEditor key={mapping.data.updatedAt?.toISOString() ?? 'defaults'} mapping={mapping.data} saved={saved} onSaved={setSaved} />}
    </section>
  )
}
