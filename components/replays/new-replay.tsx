'use client'

import { useMutation, useQuery } from '@tanstack/react-query'
import Link from 'next/link'
import { useRouter } from 'next/navigation'
import { useQueryStates } from 'nuqs'
import { useEffect, useMemo, useState } from 'react'
import { REPLAY_RATE, type DryRunReport, type ReplayEdit, type ReplayRequest } from '@/server/domain/replays'
import { exceptionsHref, replayJobHref } from '@/server/domain/links'
import { useTRPC } from '../trpc/client'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { formatCount } from '../ui/format'
import { DryRunRisks } from './dry-run-risks'
import { DryRunSummary } from './dry-run-summary'
import { EditDialog } from './edit-dialog'
import { ExecuteForm } from './execute-form'
import { PayloadEdits } from './payload-edits'
import { list, replayParams, selectionOf } from './replay-selection'

export function NewReplay() {
  const trpc = useTRPC()
  const router = useRouter()
  const [p, setP] = useQueryStates(replayParams, { history: 'replace' })
  const me = useQuery(trpc.me.get.queryOptions())
  const isAdmin = me.data?.role === 'admin'
  const [force, setForce] = useState(false)
  const [forceReason, setForceReason] = useState('')
  const [edits, setEdits] = useState<ReplayEdit[]>([])
  const [editing, setEditing] = useState<string | null>(null)
  const [report, setReport] = useState<DryRunReport | null>(null)

  const selection = useMemo(() => selectionOf(p), [p])
  const rate = p.rate ?? REPLAY_RATE.default
  const request: ReplayRequest = useMemo(
    () => ({
      ...selection,
      ratePerSecond: Math.min(REPLAY_RATE.max, Math.max(REPLAY_RATE.min, rate)),
      targetTopic: p.target || undefined,
      force,
      forceReason: force ? forceReason.trim() || undefined : undefined,
      edits: edits.length ? edits : undefined,
    }),
    [selection, rate, p.target, force, forceReason, edits],
  )
  // The dry run is re-run whenever what it depends on changes (the reasons change nothing there).
  const dryRunKey = JSON.stringify({ ...request, forceReason: undefined })
  const dryRun = useMutation(trpc.replays.dryRun.mutationOptions({ onSuccess: setReport }))
  const { mutate } = dryRun
  useEffect(() => {
    mutate({ request: JSON.parse(dryRunKey) as ReplayRequest })
  }, [dryRunKey, mutate])
  const create = useMutation(trpc.replays.create.mutationOptions({ onSuccess: (created) => router.push(replayJobHref(created.job.id)) }))

  const unknownOrigin = report?.notReplayable.some((n) => n.reason === 'unknown_origin') || !!p.target
  const editable = report && 'deadLetterIds' in selection && report.deadLetterIds.length <= 50 ? report.deadLetterIds : []

  return (
    <section aria-labelledby="new-replay-title" className="space-y-4">
      <div>
        <h1 id="new-replay-title" className="text-xl font-semibold">
          Replay dead letters: dry run
        </h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          {'deadLetterIds' in selection ? (
            <>{formatCount(selection.deadLetterIds!.length)} hand-picked dead letters. </>
          ) : (
            <>
              Everything matching{' '}
              <span className="font-mono text-xs" data-testid="replay-filter">
                {Object.entries(selection.filter ?? {})
                  .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
                  .join(' · ')}
              </span>{' '}
              (<Link className="underline" href={exceptionsHref({ errorCode: list(p.errorCode), flow: list(p.flow), fingerprint: p.fingerprint, q: p.q }, { plant: p.plant })}>see them</Link>).{' '}
            </>
          )}
          Nothing is produced until you execute; the job then runs in the worker at the rate you choose.
        </p>
      </div>

      {dryRun.error && <ErrorNotice error={dryRun.error} />}
      {!report && !dryRun.error && <p className="text-sm text-slate-500">Checking the selection against Postgres and telemetry…</p>}
      {report && (
        <div className={`space-y-4 ${dryRun.isPending ? 'opacity-60' : ''}`} aria-busy={dryRun.isPending}>
          <DryRunSummary report={report} />
          {report.selected === 0 && (
            <EmptyState title="Nothing matches this selection">
              No dead letters in a replayable state (new, triaged, failed again) match these facets in your plants. Go back to the Exceptions page and
              widen the filter, or check that the records were not replayed already.
            </EmptyState>
          )}
          <DryRunRisks report={report} isAdmin={isAdmin} />
          <PayloadEdits report={report} editable={editable} edits={edits} onEdit={setEditing} />
          <ExecuteForm
            report={report}
            isAdmin={isAdmin}
            rate={rate}
            setRate={(value) => void setP({ rate: value })}
            target={unknownOrigin ? (p.target ?? '') : null}
            setTarget={(topic) => void setP({ target: topic })}
            force={force}
            setForce={setForce}
            forceReason={forceReason}
            setForceReason={setForceReason}
            checking={dryRun.isPending}
            pending={create.isPending}
            error={create.error}
            onExecute={(reason) => create.mutate({ request: { ...request, reason } })}
          />
        </div>
      )}
      {editing && (
        <EditDialog
          deadLetterId={editing}
          current={edits.find((e) => e.deadLetterId === editing)?.value}
          onClose={() => setEditing(null)}
          onSave={(value) => {
            setEdits((all) => [...all.filter((e) => e.deadLetterId !== editing), { deadLetterId: editing, value }])
            setEditing(null)
          }}
        />
      )}
    </section>
  )
}
