'use client'

import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { ErrorNotice } from '../ui/empty-state'
import { useTRPC, type RouterOutputs } from '../trpc/client'
import { FieldInput, KeyedFields } from './mapping-fields'
import { SourceFields } from './source-fields'
import { BUSINESS_KEYS, emptyDraft, fromDraft, MAPPING_FIELDS, problemMap, toDraft, type TapDraft } from './tap-draft'
import { TapPreviewTable } from './tap-preview'

type TapView = RouterOutputs['taps']['list'][number]

/**
 * The tap editor (new or existing): the source, the mapping, and a preview of the newest records
 * beside the hop events the mapping makes. Saving never starts a tap: enabling is its own,
 * confirmed step in the list. A file tap (TAPS_FILE) shows read-only, with its preview.
 */
export function TapEditor({ tap, onSaved, onClose }: { tap: TapView | null; onSaved: (name: string) => void; onClose: () => void }) {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const [draft, setDraft] = useState<TapDraft>(() => (tap ? toDraft(tap.definition) : emptyDraft()))
  const preview = useMutation(trpc.taps.preview.mutationOptions())
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.taps.pathKey() })
  const create = useMutation(trpc.taps.create.mutationOptions({ onSuccess: (t) => (void invalidate(), onSaved(t.name)) }))
  const update = useMutation(trpc.taps.update.mutationOptions({ onSuccess: (t) => (void invalidate(), onSaved(t.name)) }))
  const save = tap ? update : create
  const readOnly = tap?.readOnly ?? false
  const problems = problemMap(preview.data?.problems ?? [])
  const set = (change: Partial<TapDraft>) => (save.reset(), setDraft((d) => ({ ...d, ...change })))

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const definition = fromDraft(draft)
    if (tap) update.mutate({ name: tap.name, definition, baseUpdatedAt: tap.updatedAt })
    else create.mutate({ definition })
  }

  return (
    <form onSubmit={onSubmit} className="card space-y-4" aria-label={tap ? `Tap ${tap.name}` : 'New tap'} noValidate>
      <div className="flex items-center justify-between">
        <h2 className="text-lg font-semibold">{tap ? `Tap ${tap.name}` : 'New tap'}</h2>
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
      {readOnly && <p className="text-sm">This tap is declared in TAPS_FILE: change it in the file and restart the worker. You can still preview it.</p>}
      {tap?.invalid && <ErrorNotice error={{ message: `The stored definition no longer passes the schema: ${tap.invalid}` }} />}
      <fieldset disabled={readOnly} className="space-y-4">
        <SourceFields draft={draft} isNew={!tap} problems={problems} set={set} />
        <fieldset className="grid gap-3 lg:grid-cols-2">
          <legend className="font-medium">
            Mapping <span className="text-xs font-normal text-slate-500">(JSONata over the record value $; $key, $headers, $meta.topic / partition / offset / timestamp)</span>
          </legend>
          {MAPPING_FIELDS.map((f) => (
            <FieldInput
              key={f.key}
              label={f.label}
              path={`mapping.${f.key}`}
              required={f.required}
              hint={f.hint}
              field={draft.fields[f.key]}
              problems={problems}
              onChange={(field) => set({ fields: { ...draft.fields, [f.key]: field } })}
            />
          ))}
        </fieldset>
        <KeyedFields legend="Business keys" path="mapping.business" keys={BUSINESS_KEYS} rows={draft.business} problems={problems} onChange={(business) => set({ business })} />
        <KeyedFields legend="Attributes" path="mapping.attributes" rows={draft.attributes} problems={problems} onChange={(attributes) => set({ attributes })} />
      </fieldset>
      <div className="flex flex-wrap items-center gap-2">
        <button type="button" className="btn" disabled={preview.isPending} onClick={() => preview.mutate({ definition: fromDraft(draft) })}>
          {preview.isPending ? 'Reading the topic…' : 'Preview'}
        </button>
        {!readOnly && (
          <button type="submit" className="btn-primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : tap ? 'Save changes' : 'Create (disabled)'}
          </button>
        )}
        <span className="text-xs text-slate-500">
          {tap?.enabled ? 'Saved changes apply from the next record the tap maps.' : 'Saving does not start the tap: enable it in the list after a preview.'}
        </span>
      </div>
      {save.error && <ErrorNotice error={save.error} />}
      {preview.error && <ErrorNotice error={preview.error} />}
      {preview.data && preview.data.problems.length > 0 && (
        <ErrorNotice error={{ message: `The mapping has ${preview.data.problems.length} problem(s), marked at each field: ${preview.data.problems.map((p) => `${p.label}: ${p.message}`).join('; ')}` }} />
      )}
      {preview.data && preview.data.problems.length === 0 && <TapPreviewTable preview={preview.data} />}
    </form>
  )
}
