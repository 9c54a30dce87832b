'use client'

import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useTRPC, type RouterInputs } from '../trpc/client'
import { ErrorNotice } from '../ui/empty-state'
import { formatCount } from '../ui/format'
import { AssigneeOptions } from './assignee-options'

type Filter = RouterInputs['deadLetters']['triageGroup']['filter']
type Action = RouterInputs['deadLetters']['triageGroup']['action']

/**
 * Triage a whole group at once (DLQ-REPLAY.md: "Triage happens per group"): assign its open records
 * to someone, or discard them with a reason. Applies to what the filters show of the group, in the
 * caller's plants; says how many changed and how many were left (moved meanwhile, or not theirs).
 */
export function GroupTriage({ filter, assignees }: { filter: Filter; assignees: { id: string; email: string }[] }) {
  const trpc = useTRPC()
  const qc = useQueryClient()
  const [assignee, setAssignee] = useState('')
  const [reason, setReason] = useState('')
  const [confirming, setConfirming] = useState(false)
  const [done, setDone] = useState<string | null>(null)
  const triage = useMutation(
    trpc.deadLetters.triageGroup.mutationOptions({
      onSuccess: (r, input) => {
        const verb = input.action.kind === 'discard' ? 'discarded' : input.action.assigneeId ? 'assigned' : 'unassigned'
        setDone(`${formatCount(r.changed)} ${verb}${r.skipped ? ` · ${formatCount(r.skipped)} left unchanged (moved meanwhile or outside your plants)` : ''}`)
        setConfirming(false)
        setReason('')
        void qc.invalidateQueries({ queryKey: trpc.deadLetters.pathKey() })
      },
    }),
  )
  const run = (action: Action) => {
    setDone(null)
    triage.mutate({ filter, action })
  }

  return (
    <section className="card flex flex-wrap items-end gap-3" aria-label="Triage the whole group" data-testid="group-triage">
      <p className="w-full text-sm text-slate-500">Applies to every open record of this group that matches the filters, in your plants.</p>
      <form
        className="flex items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault()
          run({ kind: 'assign', assigneeId: assignee || null })
        }}
      >
        <label className="text-sm">
          Assign the group to{' '}
          <select className="input" aria-label="Assign the group to" value={assignee} onChange={(e) => setAssignee(e.target.value)}>
            <option value="">nobody (unassign)</option>
            <AssigneeOptions people={assignees} />
          </select>
        </label>
        <button className="btn" type="submit" disabled={triage.isPending}>
          Assign group
        </button>
      </form>
      <form
        className="flex items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault()
          if (confirming) run({ kind: 'discard', reason })
          else setConfirming(true)
        }}
      >
        <label className="text-sm">
          Discard reason{' '}
          <input
            className="input w-64"
            aria-label="Group discard reason"
            value={reason}
            onChange={(e) => (setReason(e.target.value), setConfirming(false))}
            placeholder="why none of them needs a replay"
          />
        </label>
        <button className={confirming ? 'btn border-red-600 text-red-700 dark:text-red-300' : 'btn'} type="submit" disabled={reason.trim().length < 3 || triage.isPending}>
          {confirming ? 'Confirm: discard the group' : 'Discard group…'}
        </button>
      </form>
      {done && (
        <p role="status" className="w-full text-sm" data-testid="group-triage-result">
          {done}
        </p>
      )}
      {triage.error && <ErrorNotice error={triage.error} />}
    </section>
  )
}
