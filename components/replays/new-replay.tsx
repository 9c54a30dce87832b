'use client'

import { useMutation, useQuery } from '@tanstack/react-query'
import Link from 'next/link'
import { useRouter } from 'next/navigation'
import { parseAsInteger, parseAsString, useQueryStates } from 'nuqs'
import { useEffect, useMemo, useState, type ReactNode } from 'react'
import { REPLAYABLE_DEAD_LETTER_STATUSES } from '@/server/domain/dead-letters'
import { REPLAY_RATE, type DryRunReport, type ReplayEdit, type ReplayRequest } from '@/server/domain/replays'
import { resolveRange } from '@/server/domain/time-range'
import { deadLetterHref, exceptionsHref, replayJobHref, traceHref } from '@/server/domain/links'
import { useTRPC } from '../trpc/client'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { formatCount, formatDuration, formatUtc } from '../ui/format'
import { EditDialog } from './edit-dialog'
import { PatchList } from './patch-list'

/** The selection as the exceptions page puts it in the URL (components/links.ts newReplayHref), plus the job's rate. */
const params = {
  ids: parseAsString,
  plant: parseAsString,
  range: parseAsString,
  from: parseAsString,
  to: parseAsString,
  flow: parseAsString,
  category: parseAsString,
  errorCode: parseAsString,
  status: parseAsString,
  olderThan: parseAsString,
  assignee: parseAsString,
  fingerprint: parseAsString,
  topic: parseAsString,
  q: parseAsString,
  rate: parseAsInteger,
  target: parseAsString,
}

const list = (v: string | null) => (v ? v.split(',').filter(Boolean) : undefined)

/** The request the URL describes; without a status facet only replayable states are selected. */
function selectionOf(p: Record<keyof typeof params, string | number | null>): ReplayRequest {
  const ids = list(p.ids as string | null)
  if (ids) return { deadLetterIds: ids }
  const range = p.range || (p.from && p.to) ? resolveRange({ range: p.range as string | null, from: p.from as string | null, to: p.to as string | null }) : undefined
  const filter = {
    plant: (p.plant as string | null) ?? undefined,
    flow: list(p.flow as string | null),
    category: list(p.category as string | null),
    errorCode: list(p.errorCode as string | null),
    status: list(p.status as string | null) ?? [...REPLAYABLE_DEAD_LETTER_STATUSES],
    olderThan: (p.olderThan as string | null) ?? undefined,
    assignee: (p.assignee as string | null) ?? undefined,
    fingerprint: (p.fingerprint as string | null) ?? undefined,
    topic: (p.topic as string | null) ?? undefined,
    q: (p.q as string | null) ?? undefined,
    from: range?.from.toISOString(),
    to: range?.to.toISOString(),
  }
  return { filter: Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as NonNullable<ReplayRequest['filter']> }
}

function Section({ title, count, testId, children }: { title: string; count: number; testId: string; children: ReactNode }) {
  return (
    <section className="card space-y-2" data-testid={testId} aria-label={title}>
      <h2 className="font-semibold">
        {title} <span className="tabular-nums text-slate-500">({formatCount(count)})</span>
      </h2>
      {children}
    </section>
  )
}

export function NewReplay() {
  const trpc = useTRPC()
  const router = useRouter()
  const [p, setP] = useQueryStates(params, { history: 'replace' })
  const me = useQuery(trpc.me.get.queryOptions())
  const isAdmin = me.data?.role === 'admin'
  const [reason, setReason] = useState('')
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

  const reasonOk = reason.trim().length >= 3
  const forceOk = !force || forceReason.trim().length >= 3
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
          <section className="card space-y-2" aria-label="Summary" data-testid="dry-run-summary">
            <p className="text-lg">
              <strong data-testid="replayable-count" className="tabular-nums">
                {formatCount(report.replayable)}
              </strong>{' '}
              of {formatCount(report.selected)} selected records will be replayed
              {report.replayable > 0 && (
                <>
                  {' '}
                  in about {formatDuration(report.etaSeconds * 1000)} at {report.ratePerSecond} records/s
                </>
              )}
              .
            </p>
            {report.byTarget.length > 0 && (
              <table className="text-sm" aria-label="Records per target topic">
                <thead className="text-left text-xs uppercase text-slate-500">
                  <tr>
                    <th className="pr-6">Target topic</th>
                    <th>Records</th>
                  </tr>
                </thead>
                <tbody>
                  {report.byTarget.map((t) => (
                    <tr key={t.topic} data-testid="target-row">
                      <td className="pr-6 font-mono text-xs">{t.topic}</td>
                      <td className="tabular-nums">{formatCount(t.count)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {report.approval.required && (
              <p className="rounded border border-amber-300 bg-amber-50 p-2 text-sm dark:border-amber-800 dark:bg-amber-950" data-testid="approval-needed">
                ⚖ {report.approval.why} The job waits in “awaiting approval” until another operator or admin of the plant approves it.
              </p>
            )}
          </section>

          {report.selected === 0 && (
            <EmptyState title="Nothing matches this selection">
              No dead letters in a replayable state (new, triaged, failed again) match these facets in your plants. Go back to the Exceptions page and
              widen the filter, or check that the records were not replayed already.
            </EmptyState>
          )}

          {report.duplicateRisk.length > 0 && (
            <Section title="Duplicate risk: already posted" count={report.duplicateRisk.length + report.truncated.duplicateRisk} testId="duplicate-risk">
              <p className="text-sm text-slate-600 dark:text-slate-400">
                Their transaction already shows a successful ERP posting with the same idempotency key. They are left out
                {isAdmin ? ' unless you force them (below), with a reason' : '; only an admin can force them'}.
              </p>
              <ul className="space-y-1 text-sm">
                {report.duplicateRisk.map((d) => (
                  <li key={d.deadLetterId}>
                    <Link className="font-mono text-xs underline" href={deadLetterHref(d.deadLetterId)}>
                      {d.deadLetterId.slice(0, 8)}
                    </Link>{' '}
                    {d.correlationId && (
                      <Link className="font-mono text-xs underline" href={traceHref(d.correlationId)}>
                        {d.correlationId}
                      </Link>
                    )}{' '}
                    posted <span title={formatUtc(d.postedAt)}>{formatUtc(d.postedAt)}</span>
                    {d.erpDocument && <> as document {d.erpDocument}</>} · {d.blocked ? 'blocked' : '⚠ forced'}
                  </li>
                ))}
              </ul>
            </Section>
          )}

          {report.orderingRisk.length > 0 && (
            <Section title="Ordering risk: newer events for the same key" count={report.orderingRisk.length + report.truncated.orderingRisk} testId="ordering-risk">
              <p className="text-sm text-slate-600 dark:text-slate-400">
                Since these records failed, another transaction of the same work order (or lot) posted. Replaying now posts the older message after the
                newer one; check that this is what ERP should see. They are replayed unless you narrow the selection.
              </p>
              <ul className="space-y-1 text-sm">
                {report.orderingRisk.map((o) => (
                  <li key={o.deadLetterId}>
                    <Link className="font-mono text-xs underline" href={deadLetterHref(o.deadLetterId)}>
                      {o.deadLetterId.slice(0, 8)}
                    </Link>{' '}
                    {o.keyType.replace('_', ' ')} <span className="font-mono text-xs">{o.keyValue}</span>: newer{' '}
                    <Link className="font-mono text-xs underline" href={traceHref(o.newerCorrelationId)}>
                      {o.newerCorrelationId}
                    </Link>{' '}
                    posted {formatUtc(o.newerPostedAt)}
                  </li>
                ))}
              </ul>
            </Section>
          )}

          {report.notReplayable.length > 0 && (
            <Section title="Not replayable" count={report.notReplayable.length + report.truncated.notReplayable} testId="not-replayable">
              <ul className="space-y-1 text-sm">
                {report.notReplayable.map((n) => (
                  <li key={n.deadLetterId}>
                    <Link className="font-mono text-xs underline" href={deadLetterHref(n.deadLetterId)}>
                      {n.deadLetterId.slice(0, 8)}
                    </Link>{' '}
                    {n.errorCode && <span className="font-mono text-xs">{n.errorCode} </span>}
                    {n.detail}
                  </li>
                ))}
              </ul>
            </Section>
          )}

          {(report.edits.length > 0 || editable.length > 0) && (
            <Section title="Payload edits" count={report.edits.length} testId="edits">
              {report.edits.map((e) => (
                <div key={e.deadLetterId} className="text-sm">
                  <span className="font-mono text-xs">{e.deadLetterId.slice(0, 8)}</span>
                  <PatchList patch={e.patch} />
                </div>
              ))}
              {editable.length > 0 && (
                <ul className="flex flex-wrap gap-2">
                  {editable.map((id) => (
                    <li key={id}>
                      <button type="button" className="btn" onClick={() => setEditing(id)}>
                        ✎ Edit payload of {id.slice(0, 8)}
                        {edits.some((e) => e.deadLetterId === id) && ' (edited)'}
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </Section>
          )}

          <form
            className="card space-y-3"
            aria-label="Execute the replay"
            onSubmit={(e) => {
              e.preventDefault()
              create.mutate({ request: { ...request, reason: reason.trim() } })
            }}
          >
            <label className="block text-sm">
              Reason (required: what was fixed, who asked; it goes into the audit log and the replayed records)
              <textarea className="input mt-1 block w-full" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} required />
            </label>
            <div className="flex flex-wrap gap-4">
              <label className="text-sm">
                Rate (records/s, {REPLAY_RATE.min}–{REPLAY_RATE.max})
                <input
                  className="input mt-1 block w-28"
                  type="number"
                  min={REPLAY_RATE.min}
                  max={REPLAY_RATE.max}
                  value={rate}
                  onChange={(e) => void setP({ rate: e.target.value ? Number(e.target.value) : null })}
                />
              </label>
              {unknownOrigin && (
                <label className="text-sm">
                  Target topic for records of unknown origin
                  <input className="input mt-1 block w-80 font-mono" value={p.target ?? ''} onChange={(e) => void setP({ target: e.target.value || null })} />
                </label>
              )}
            </div>
            {isAdmin && report.duplicateRisk.length > 0 && (
              <fieldset className="space-y-2 rounded border border-red-300 p-2 dark:border-red-800">
                <legend className="px-1 text-sm font-medium">Force (admins only)</legend>
                <label className="flex items-center gap-2 text-sm">
                  <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} />
                  Replay the already-posted records too (they may post twice)
                </label>
                {force && (
                  <label className="block text-sm">
                    Why forcing is right (required, audited)
                    <input className="input mt-1 block w-full" value={forceReason} onChange={(e) => setForceReason(e.target.value)} maxLength={2000} />
                  </label>
                )}
              </fieldset>
            )}
            {create.error && <ErrorNotice error={create.error} />}
            <button type="submit" className="btn-primary" disabled={!report.replayable || !reasonOk || !forceOk || create.isPending || dryRun.isPending}>
              {report.approval.required ? 'Submit for approval' : 'Execute'} ({formatCount(report.replayable)} records)
            </button>
          </form>
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
