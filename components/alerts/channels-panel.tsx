'use client'

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { ALERT_CHANNEL_KIND_INFO, ALERT_CHANNEL_KINDS, ALERT_SEVERITIES, type AlertChannelKind, type AlertSeverity } from '@/server/domain/alerts'
import { DataTable } from '../ui/data-table'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { useTRPC } from '../trpc/client'
import { AlertsTabs } from './alerts-tabs'
import { channelColumns } from './channel-columns'

/**
 * Where notifications go (admins). A saved URL is never shown again, only its hint; "Send test"
 * queues a test notification that the worker sends like any other, and its outcome shows here.
 */
export function ChannelsPanel() {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const channels = useQuery({ ...trpc.alerts.channels.list.queryOptions(), refetchInterval: (q) => (q.state.data?.some((c) => c.lastDelivery?.status === 'pending') ? 2_000 : 30_000) })
  const plants = useQuery(trpc.plants.list.queryOptions())
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.alerts.channels.pathKey() })
  const [formKey, setFormKey] = useState(0)
  const create = useMutation(trpc.alerts.channels.create.mutationOptions({ onSuccess: () => (void invalidate(), setFormKey((k) => k + 1)) }))
  const update = useMutation(trpc.alerts.channels.update.mutationOptions({ onSuccess: () => void invalidate() }))
  const remove = useMutation(trpc.alerts.channels.delete.mutationOptions({ onSuccess: () => void invalidate() }))
  const test = useMutation(trpc.alerts.channels.test.mutationOptions({ onSuccess: () => void invalidate() }))
  const error = channels.error ?? create.error ?? update.error ?? remove.error ?? test.error

  function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    create.mutate({
      name: String(form.get('name')),
      kind: String(form.get('kind')) as AlertChannelKind,
      url: String(form.get('url')),
      severities: form.getAll('severity').map(String) as AlertSeverity[],
      plants: form.getAll('plant').map(String),
      enabled: true,
    })
  }

  return (
    <div className="space-y-4">
      <AlertsTabs current="channels" isAdmin />
      {error && <ErrorNotice error={error} />}
      {channels.data?.length === 0 ? (
        <EmptyState title="No notification channels yet">
          Alerts show in the inbox either way. Add a Slack, Teams or generic webhook below to be notified when an alert fires and when it resolves.
        </EmptyState>
      ) : (
        <DataTable
          label="Notification channels"
          data={channels.data ?? []}
          columns={channelColumns({
            test: (id) => test.mutate({ id }),
            testing: test.isPending,
            toggle: (c) => update.mutate({ id: c.id, change: { enabled: !c.enabled } }),
            remove: (c) => window.confirm(`Delete channel “${c.name}”?`) && remove.mutate({ id: c.id }),
          })}
          getRowId={(c) => c.id}
          rowTestId={(c) => `channel-${c.name}`}
          keyboard={false}
        />
      )}
      <form key={formKey} onSubmit={onCreate} className="card grid gap-3 text-sm md:grid-cols-2" aria-label="Add channel">
        <h2 className="font-semibold md:col-span-2">Add a channel</h2>
        <label>
          Name
          <input name="name" required maxLength={80} className="input mt-1 block w-full" placeholder="e.g. plant 2000 shift leads" />
        </label>
        <label>
          Kind
          <select name="kind" className="input mt-1 block w-full" defaultValue="slack">
            {ALERT_CHANNEL_KINDS.map((k) => (
              <option key={k} value={k} title={ALERT_CHANNEL_KIND_INFO[k].description}>
                {ALERT_CHANNEL_KIND_INFO[k].label}
              </option>
            ))}
          </select>
        </label>
        <label className="md:col-span-2">
          Webhook URL (kept secret: only its host and last characters are shown after saving)
          <input name="url" type="url" required className="input mt-1 block w-full font-mono" placeholder="https://hooks.slack.com/services/…" autoComplete="off" />
        </label>
        <fieldset>
          <legend>Severities</legend>
          {ALERT_SEVERITIES.map((s) => (
            <label key={s} className="mr-3 inline-flex items-center gap-1">
              <input type="checkbox" name="severity" value={s} defaultChecked={s !== 'info'} />
              {s}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Plants (none ticked: every plant)</legend>
          {plants.data?.map((p) => (
            <label key={p.code} className="mr-3 inline-flex items-center gap-1">
              <input type="checkbox" name="plant" value={p.code} />
              {p.code}
            </label>
          ))}
        </fieldset>
        <div className="md:col-span-2">
          <button type="submit" className="btn-primary" disabled={create.isPending}>
            Add channel
          </button>
        </div>
      </form>
    </div>
  )
}
