'use client'

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { ALERT_SILENCE_KIND_INFO, ALERT_SILENCE_KINDS, type AlertSilenceKind } from '@/server/domain/alerts'
import { DataTable } from '../ui/data-table'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { toDateTimeLocal } from '../ui/format'
import { FlowPicker, PlantPicker } from '../ui/pickers'
import { useHeaderState } from '../shell/url-state'
import { useTRPC } from '../trpc/client'
import { usePlantTimeZone } from '../shell/use-plant-time-zone'
import { AlertsTabs } from './alerts-tabs'
import { silenceColumns } from './silence-columns'

/** Silences (mute notifications) and maintenance windows (suspend rules) per plant; operators set them. */
export function SilencesPanel({ canEdit, isAdmin }: { canEdit: boolean; isAdmin: boolean }) {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const [header] = useHeaderState()
  const plants = useQuery(trpc.plants.list.queryOptions())
  const silences = useQuery(trpc.alerts.silences.list.queryOptions({ plants: header.plant ? [header.plant] : undefined }))
  const rules = useQuery(trpc.alerts.rules.list.queryOptions({ plants: header.plant ? [header.plant] : undefined }))
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.alerts.silences.pathKey() })
  const [formKey, setFormKey] = useState(0)
  const [plant, setPlant] = useState<string>(header.plant ?? '')
  const create = useMutation(trpc.alerts.silences.create.mutationOptions({ onSuccess: () => (void invalidate(), setFormKey((k) => k + 1)) }))
  const end = useMutation(trpc.alerts.silences.end.mutationOptions({ onSuccess: () => void invalidate() }))
  const timeZone = usePlantTimeZone()
  const error = silences.error ?? create.error ?? end.error
  const chosenPlant = plant || plants.data?.[0]?.code || ''
  const [now] = useState(() => Date.now())

  function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    create.mutate({
      plant: chosenPlant,
      kind: String(form.get('kind')) as AlertSilenceKind,
      ruleId: String(form.get('ruleId') || '') || null,
      flow: String(form.get('flow') || '') || null,
      startsAt: new Date(String(form.get('startsAt'))),
      endsAt: new Date(String(form.get('endsAt'))),
      reason: String(form.get('reason')),
    })
  }

  return (
    <div className="space-y-4">
      <AlertsTabs current="silences" isAdmin={isAdmin} />
      <p className="text-sm text-slate-600 dark:text-slate-400">
        {ALERT_SILENCE_KIND_INFO.silence.label}: {ALERT_SILENCE_KIND_INFO.silence.description} {ALERT_SILENCE_KIND_INFO.maintenance.label}:{' '}
        {ALERT_SILENCE_KIND_INFO.maintenance.description}
      </p>
      {error && <ErrorNotice error={error} />}
      {silences.data?.length === 0 ? (
        <EmptyState title="No silences or maintenance windows">Nothing is muted: every firing alert notifies its channels.</EmptyState>
      ) : (
        <DataTable
          label="Silences and maintenance windows"
          data={silences.data ?? []}
          columns={silenceColumns({
            ruleName: (id) => rules.data?.find((r) => r.id === id)?.name,
            timeZone,
            end: canEdit ? (id) => end.mutate({ id }) : null,
            now,
          })}
          getRowId={(s) => s.id}
          keyboard={false}
        />
      )}
      {canEdit && (
        <form key={formKey} onSubmit={onCreate} className="card grid gap-3 text-sm md:grid-cols-3" aria-label="Add silence">
          <h2 className="font-semibold md:col-span-3">Add a silence or maintenance window</h2>
          <label>
            Plant
            <PlantPicker className="input mt-1 block w-full" plants={plants.data ?? []} value={chosenPlant} onChange={(e) => setPlant(e.target.value)} />
          </label>
          <label>
            Kind
            <select name="kind" className="input mt-1 block w-full">
              {ALERT_SILENCE_KINDS.map((k) => (
                <option key={k} value={k}>
                  {ALERT_SILENCE_KIND_INFO[k].label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Rule (optional)
            <select name="ruleId" className="input mt-1 block w-full">
              <option value="">every rule of the plant</option>
              {rules.data
                ?.filter((r) => r.plant === chosenPlant)
                .map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name}
                  </option>
                ))}
            </select>
          </label>
          <label>
            Flow (optional)
            <FlowPicker name="flow" className="input mt-1 block w-full" any="every flow" />
          </label>
          <label>
            From (your local time)
            <input name="startsAt" type="datetime-local" required className="input mt-1 block w-full" defaultValue={toDateTimeLocal(new Date(now))} />
          </label>
          <label>
            Until (your local time)
            <input name="endsAt" type="datetime-local" required className="input mt-1 block w-full" defaultValue={toDateTimeLocal(new Date(now + 2 * 3_600_000))} />
          </label>
          <label className="md:col-span-3">
            Reason
            <input name="reason" required minLength={3} maxLength={500} className="input mt-1 block w-full" placeholder="e.g. ERP upgrade Saturday 06:00–10:00" />
          </label>
          <div className="md:col-span-3">
            <button type="submit" className="btn-primary" disabled={create.isPending}>
              Add
            </button>
          </div>
        </form>
      )}
    </div>
  )
}
