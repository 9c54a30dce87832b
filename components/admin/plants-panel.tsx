'use client'

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { FormEvent } from 'react'
import { ErrorNotice } from '../ui/empty-state'
import { useTRPC } from '../trpc/client'

export function PlantsPanel() {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const plants = useQuery(trpc.plants.list.queryOptions())
  const update = useMutation(
    trpc.admin.plants.update.mutationOptions({ onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.plants.pathKey() }) }),
  )

  function onSave(code: string, event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    update.mutate({
      code,
      change: { name: String(form.get('name')), timeZone: String(form.get('timeZone')), replayApprovalRequired: form.get('approval') === 'on' },
    })
  }

  return (
    <section aria-labelledby="plants-title" className="space-y-3">
      <h2 id="plants-title" className="text-lg font-semibold">
        Plants
      </h2>
      {(plants.error ?? update.error) && <ErrorNotice error={(plants.error ?? update.error)!} />}
      <ul className="space-y-2">
        {plants.data?.map((p) => (
          <li key={p.code}>
            <form onSubmit={(e) => onSave(p.code, e)} className="card flex flex-wrap items-end gap-3" aria-label={`Plant ${p.code}`}>
              <span className="w-16 font-semibold">{p.code}</span>
              <label className="text-sm">
                Name
                <input name="name" defaultValue={p.name} required className="input mt-1 block" />
              </label>
              <label className="text-sm">
                Time zone (IANA)
                <input name="timeZone" defaultValue={p.timeZone} required className="input mt-1 block" />
              </label>
              <label className="flex items-center gap-1 text-sm">
                <input name="approval" type="checkbox" defaultChecked={p.replayApprovalRequired} />
                Edited and bulk replays need a second approver
              </label>
              <button type="submit" className="btn" disabled={update.isPending}>
                Save
              </button>
            </form>
          </li>
        ))}
      </ul>
    </section>
  )
}
