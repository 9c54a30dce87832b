'use client'

import { useQuery } from '@tanstack/react-query'
import Link from 'next/link'
import { canTransition } from '@/server/domain/dead-letter-states'
import type { DeadLetterStatus } from '@/server/domain/dead-letters'
import { deadLetterHref, newReplayHref } from '@/server/domain/links'
import { failureReason } from '@/server/domain/trace-focus'
import { useTRPC } from '../trpc/client'
import type { TraceData, TraceHop } from './trace-types'

/**
 * Why the transaction failed and what to do next, at the top of the trace: the failing hop's error,
 * "Open dead letter" for everyone who sees the trace, "Replay" for those who may replay while the
 * dead letter is still open (a dry run first, on the replay page).
 */
export function TraceFailure({ data, focus, onShowHop }: { data: TraceData; focus: TraceHop | undefined; onShowHop: () => void }) {
  const trpc = useTRPC()
  const me = useQuery(trpc.me.get.queryOptions())
  const state = data.summary?.state
  const reason = failureReason(focus, state)
  const deadLetter = data.deadLetters.at(-1)
  if (!reason && !deadLetter) return null
  const replayable = deadLetter && (me.data?.permissions.replay ?? false) && canTransition(deadLetter.status as DeadLetterStatus, 'queue_replay')
  // A transaction that posted after all (replayed) keeps the way to its dead letter, without alarm.
  const tone = reason ? 'border-red-300 bg-red-50 dark:border-red-800 dark:bg-red-950' : 'border-slate-200 dark:border-slate-800'
  return (
    <div role={reason ? 'alert' : 'status'} data-testid="trace-failure" className={`flex flex-wrap items-center justify-between gap-2 rounded border p-2 text-sm ${tone}`}>
      <p className="min-w-0 flex-1">
        {reason ? (
          <>
            <strong>{state === 'stuck' ? 'Stuck' : 'Failed'}{focus ? ` at ${focus.event_type}` : ''}: </strong>
            <span data-testid="failure-reason" className="whitespace-pre-wrap">
              {reason}
            </span>{' '}
            {focus && (
              <button type="button" className="underline" onClick={onShowHop}>
                show the hop
              </button>
            )}
          </>
        ) : (
          <>
            Dead-lettered on the way{deadLetter!.errorCode ? ` (${deadLetter!.errorCode})` : ''}; the dead letter is {deadLetter!.status.replace('_', ' ')}.
          </>
        )}
      </p>
      {deadLetter && (
        <span className="flex gap-2">
          <Link className="btn" href={deadLetterHref(deadLetter.id)} data-testid="open-dead-letter">
            Open dead letter
          </Link>
          {replayable && (
            <Link className="btn btn-primary" href={newReplayHref({ ids: [deadLetter.id] })}>
              Replay…
            </Link>
          )}
        </span>
      )}
    </div>
  )
}
