'use client'

import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import type { ReplayAction } from '@/server/domain/replays'
import { useTRPC, type RouterOutputs } from '../trpc/client'
import { ErrorNotice } from '../ui/empty-state'

type Job = RouterOutputs['replays']['get']['job']

/**
 * Approve or reject a job awaiting approval (never one's own), pause, resume or abort a live one;
 * rejecting and aborting need a reason.
 */
export function JobControls({ job, own, canAct }: { job: Job; own: boolean; canAct: boolean }) {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const [reason, setReason] = useState('')
  const control = useMutation(
    trpc.replays.control.mutationOptions({
      onSuccess: () => {
        setReason('')
        return queryClient.invalidateQueries({ queryKey: trpc.replays.pathKey() })
      },
    }),
  )
  const act = (action: ReplayAction) => control.mutate({ id: job.id, action, reason: reason.trim() || undefined })
  return (
    <>
      {canAct && (
        <div className="flex flex-wrap items-end gap-2 border-t border-slate-200 pt-3 dark:border-slate-800">
          <label className="text-sm">
            Reason (needed to reject or abort)
            <input className="input mt-1 block w-80" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
          </label>
          {job.status === 'awaiting_approval' && (
            <>
              <button
                type="button"
                className="btn-primary"
                disabled={own || control.isPending}
                title={own ? 'You created this job: another person of the plant must approve it' : undefined}
                onClick={() => act('approve')}
              >
                Approve
              </button>
              <button type="button" className="btn" disabled={control.isPending || reason.trim().length < 3} onClick={() => act('reject')}>
                Reject
              </button>
            </>
          )}
          {(job.status === 'queued' || job.status === 'running') && (
            <button type="button" className="btn" disabled={control.isPending} onClick={() => act('pause')}>
              ⏸ Pause
            </button>
          )}
          {job.status === 'paused' && (
            <button type="button" className="btn" disabled={control.isPending} onClick={() => act('resume')}>
              ⏵ Resume
            </button>
          )}
          <button type="button" className="btn" disabled={control.isPending || reason.trim().length < 3} onClick={() => act('abort')}>
            ⊘ Abort
          </button>
        </div>
      )}
      {control.error && <ErrorNotice error={control.error} />}
    </>
  )
}
