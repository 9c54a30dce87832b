'use client'

import { useMutation, useQuery } from '@tanstack/react-query'
import Link from 'next/link'
import { useRouter } from 'next/navigation'
import { useState } from 'react'
import { REPLAYABLE_DEAD_LETTER_STATUSES } from '@/server/domain/dead-letters'
import { canTransition } from '@/server/domain/dead-letter-states'
import { primaryAction } from '@/server/domain/error-guidance'
import { newReplayHref } from '@/server/domain/links'
import { useTRPC } from '../trpc/client'
import { ErrorNotice } from '../ui/empty-state'
import { AssigneeOptions } from './assignee-options'
import type { DeadLetter } from './dead-letter-types'

/**
 * Replay, assign and discard one dead letter; viewers are told who can. The primary action follows
 * the guidance (issue 19): "Replay…" when a replay can succeed now (a transient cause, or someone
 * marked the cause fixed); otherwise the fix comes first, with "Mark fixed & replay…" beside it.
 */
export function DeadLetterActions({ d, canTriage, refresh }: { d: DeadLetter; canTriage: boolean; refresh: () => Promise<void> }) {
  const trpc = useTRPC()
  const people = useQuery({ ...trpc.deadLetters.assignees.queryOptions({ plant: d.plant ?? undefined }), enabled: canTriage })
  const assign = useMutation(trpc.deadLetters.assign.mutationOptions({ onSuccess: refresh }))
  const discard = useMutation(trpc.deadLetters.discard.mutationOptions({ onSuccess: () => (setReason(''), refresh()) }))
  const [reason, setReason] = useState('')
  const router = useRouter()
  const fixed = useMutation(trpc.deadLetters.markFixed.mutationOptions({ onSuccess: () => router.push(newReplayHref({ ids: [d.id] })) }))
  const replayable = (REPLAYABLE_DEAD_LETTER_STATUSES as readonly string[]).includes(d.status)
  const fixFirst = primaryAction(d.guidance, d.markedFixed) === 'fix'

  return (
    <section className="card space-y-2" data-testid="dl-actions" aria-label="Actions">
      <h2 className="font-semibold">Actions</h2>
      {!canTriage ? (
        <p className="text-sm text-slate-500">You can look; operators of plant {d.plant ?? '(unknown)'} assign, comment, discard and replay.</p>
      ) : (
        <div className="flex flex-wrap items-end gap-4">
          {replayable ? (
            <>
              {fixFirst ? (
                <div className="flex w-full flex-wrap items-center gap-2" data-testid="fix-first">
                  <p className="text-sm">
                    <strong>Fix first:</strong> {d.guidance.how}
                  </p>
                  <button className="btn btn-primary" type="button" disabled={fixed.isPending} onClick={() => fixed.mutate({ id: d.id })}>
                    Mark fixed &amp; replay…
                  </button>
                </div>
              ) : (
                <Link className="btn btn-primary" href={newReplayHref({ ids: [d.id] })}>
                  Replay…
                </Link>
              )}
              <Link className="btn" href={newReplayHref({ filter: { fingerprint: d.fingerprint, plant: d.plant } })}>
                Replay the whole group…
              </Link>
            </>
          ) : (
            <span className="text-sm text-slate-500">Not replayable while {d.status.replace('_', ' ')}.</span>
          )}
          <label className="text-sm">
            Assignee{' '}
            <select
              className="input"
              aria-label="Assignee"
              value={d.assigneeId ?? ''}
              disabled={assign.isPending || !canTransition(d.status, 'triage')}
              onChange={(e) => assign.mutate({ id: d.id, assigneeId: e.target.value || null })}
            >
              <option value="">Unassigned</option>
              <AssigneeOptions people={people.data ?? []} />
            </select>
          </label>
          {canTransition(d.status, 'discard') && (
            <form
              className="flex items-end gap-2"
              onSubmit={(e) => {
                e.preventDefault()
                discard.mutate({ id: d.id, reason })
              }}
            >
              <label className="text-sm">
                Discard reason{' '}
                <input className="input w-64" aria-label="Discard reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why it needs no replay" />
              </label>
              <button className="btn" type="submit" disabled={reason.trim().length < 3 || discard.isPending}>
                Discard
              </button>
            </form>
          )}
        </div>
      )}
      {[assign.error, discard.error, fixed.error].map((e, i) => e && <ErrorNotice key={i} error={e} />)}
    </section>
  )
}
