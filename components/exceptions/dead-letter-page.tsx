'use client'

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import Link from 'next/link'
import { useState, type ReactNode } from 'react'
import { REPLAYABLE_DEAD_LETTER_STATUSES } from '@/server/domain/dead-letters'
import { canTransition } from '@/server/domain/dead-letter-states'
import { deadLetterHref, exceptionsHref, newReplayHref, replayJobHref, traceHref } from '@/server/domain/links'
import { useTRPC } from '../trpc/client'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { formatRelative, formatUtc } from '../ui/format'
import { DeadLetterStatusBadge } from '../ui/state-badge'
import { AssigneeOptions } from './assignee-options'

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-slate-500">{label}</dt>
      <dd className="break-all font-mono text-xs">{children ?? '—'}</dd>
    </>
  )
}

const at = (d: Date | string) => <span title={formatUtc(d)}>{formatUtc(d)} ({formatRelative(d)})</span>

export function DeadLetterPage({ id }: { id: string }) {
  const trpc = useTRPC()
  const qc = useQueryClient()
  const dl = useQuery(trpc.deadLetters.get.queryOptions({ id }))
  const me = useQuery(trpc.me.get.queryOptions())
  const canTriage = me.data?.permissions.triage ?? false
  const people = useQuery({ ...trpc.deadLetters.assignees.queryOptions({ plant: dl.data?.plant ?? undefined }), enabled: canTriage && !!dl.data })
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.deadLetters.get.queryKey({ id }) })
  const assign = useMutation(trpc.deadLetters.assign.mutationOptions({ onSuccess: refresh }))
  const comment = useMutation(trpc.deadLetters.comment.mutationOptions({ onSuccess: () => (setBody(''), refresh()) }))
  const discard = useMutation(trpc.deadLetters.discard.mutationOptions({ onSuccess: () => (setReason(''), refresh()) }))
  const [body, setBody] = useState('')
  const [reason, setReason] = useState('')
  const [showBinary, setShowBinary] = useState(false)

  if (dl.error) return <ErrorNotice error={dl.error} />
  if (!dl.data) return <p className="text-sm text-slate-500">Loading dead letter…</p>
  const d = dl.data
  const replayable = (REPLAYABLE_DEAD_LETTER_STATUSES as readonly string[]).includes(d.status)
  const title = `${d.errorCode ?? d.errorClass ?? 'Dead letter'} · ${d.businessKeys.work_order ?? d.businessKeys.lot ?? d.correlationId ?? d.id}`

  return (
    <article className="space-y-4" aria-labelledby="dl-title">
      <nav className="text-sm">
        <Link className="underline" href={exceptionsHref({ fingerprint: d.fingerprint })}>
          ← Group of this dead letter
        </Link>
      </nav>
      <header className="space-y-1">
        <h1 id="dl-title" data-testid="dl-title" className="text-xl font-semibold">
          {title}
        </h1>
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <DeadLetterStatusBadge status={d.status} />
          <span>{d.plant ? `plant ${d.plant}` : 'plant unknown'}</span>
          <span className="text-slate-500">{d.flow ?? 'flow unknown'}</span>
          <span className="text-slate-500">{d.errorCategory ?? 'uncategorised'}</span>
          {d.correlationId ? (
            <Link className="underline" data-testid="trace-link" href={traceHref(d.correlationId, d.originTime)}>
              Open trace
            </Link>
          ) : (
            <span data-testid="trace-link" className="text-slate-500" title="No correlation id could be read from the payload, headers or key">
              no trace link
            </span>
          )}
        </div>
        <p className="whitespace-pre-wrap text-sm">{d.errorMessage}</p>
        {d.expiresSoon && d.expiresAt && (
          <p role="alert" className="rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900" data-testid="expiry-warning">
            ⚠ The DLQ topic&apos;s retention deletes this record {formatRelative(d.expiresAt)} ({formatUtc(d.expiresAt)}): replay or export it before then. The row here stays.
          </p>
        )}
        {d.previous && (
          <p className="text-sm">
            Failed again: an earlier dead letter of this transaction was replayed —{' '}
            <Link className="underline" href={deadLetterHref(d.previous.id)}>
              see it
            </Link>
            .
          </p>
        )}
        {d.next.length > 0 && (
          <p className="text-sm">
            Dead-lettered again after a replay:{' '}
            {d.next.map((n) => (
              <Link key={n.id} className="mr-2 underline" href={deadLetterHref(n.id)}>
                {formatUtc(n.deadLetteredAt)}
              </Link>
            ))}
          </p>
        )}
      </header>

      <section className="card space-y-2" data-testid="dl-actions" aria-label="Actions">
        <h2 className="font-semibold">Actions</h2>
        {!canTriage ? (
          <p className="text-sm text-slate-500">You can look; operators of plant {d.plant ?? '(unknown)'} assign, comment, discard and replay.</p>
        ) : (
          <div className="flex flex-wrap items-end gap-4">
            {replayable ? (
              <>
                <Link className="btn btn-primary" href={newReplayHref({ ids: [d.id] })}>
                  Replay…
                </Link>
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
        {[assign.error, discard.error].map((e, i) => e && <ErrorNotice key={i} error={e} />)}
      </section>

      <section className="card space-y-2" aria-label="DLQ metadata">
        <h2 className="font-semibold">Where it came from</h2>
        <dl data-testid="dlq-metadata" className="grid grid-cols-[12rem_1fr] gap-x-4 gap-y-1 text-sm">
          <Field label="Convention">{d.convention}</Field>
          <Field label="DLQ record">{`${d.topic} / ${d.partition} / ${d.offset}`}</Field>
          <Field label="Dead-lettered">{at(d.deadLetteredAt)}</Field>
          <Field label="Original topic">{d.sourceTopic}</Field>
          <Field label="Original partition">{d.sourcePartition}</Field>
          <Field label="Original offset">{d.sourceOffset}</Field>
          <Field label="Consumer group">{d.consumerGroup}</Field>
          <Field label="Exception">{d.errorClass}</Field>
          <Field label="Error code">{d.errorCode}</Field>
          <Field label="Attempts">{d.attempts}</Field>
          <Field label="Correlation id">{d.correlationId}</Field>
          <Field label="Origin time">{d.originTime ? formatUtc(d.originTime) : null}</Field>
          <Field label="Business keys">{Object.entries(d.businessKeys).map(([k, v]) => `${k}=${v}`).join(' · ') || null}</Field>
          <Field label="Key">{d.key}</Field>
          <Field label="Expires from DLQ">{d.expiresAt ? formatUtc(d.expiresAt) : 'no time limit known'}</Field>
          <Field label="Fingerprint">{d.fingerprint}</Field>
        </dl>
        {d.stackTrace && (
          <details>
            <summary className="cursor-pointer text-sm">Stack trace</summary>
            <pre className="max-h-96 overflow-auto text-xs">{d.stackTrace}</pre>
          </details>
        )}
      </section>

      <section className="card space-y-2" aria-label="Payload">
        <h2 className="font-semibold">
          Payload <span className="text-sm font-normal text-slate-500">({d.payloadBytes.toLocaleString('en-US')} bytes)</span>
        </h2>
        <pre data-testid="payload" className="max-h-[32rem] overflow-auto whitespace-pre-wrap break-all text-xs">
          {d.payload === null ? '(no value)' : prettyJson(d.payload)}
        </pre>
      </section>

      <section className="card space-y-2" aria-label="Headers">
        <h2 className="flex items-center justify-between font-semibold">
          Headers ({d.headers.length})
          <label className="text-sm font-normal">
            <input type="checkbox" checked={showBinary} onChange={(e) => setShowBinary(e.target.checked)} /> show base64
          </label>
        </h2>
        <table data-testid="headers-table" className="w-full text-left text-xs">
          <thead>
            <tr>
              <th className="p-1">Key</th>
              <th className="p-1">Value</th>
              <th className="p-1">Kind</th>
            </tr>
          </thead>
          <tbody>
            {d.headers.map((h, i) => (
              <tr key={i} className="border-t border-slate-200 dark:border-slate-800">
                <td className="p-1 font-mono">{h.key}</td>
                <td className="break-all p-1 font-mono">{showBinary || h.text === null ? <span title="binary, base64">{h.value}</span> : h.text}</td>
                <td className="p-1 text-slate-500">{h.dlq ? 'DLQ context (stripped on replay)' : 'business'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      {d.replays.length > 0 && (
        <section className="card space-y-1 text-sm" aria-label="Replays">
          <h2 className="font-semibold">Replays</h2>
          <ul>
            {d.replays.map((r) => (
              <li key={r.itemId}>
                <Link className="underline" href={replayJobHref(r.jobId)}>
                  job {r.jobId.slice(0, 8)}
                </Link>{' '}
                {r.status}
                {r.producedAt && <> · produced {formatUtc(r.producedAt)}</>}
                {r.error && <> · {r.error}</>}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section className="card space-y-2" data-testid="comments" aria-label="Comments">
        <h2 className="font-semibold">Comments ({d.comments.length})</h2>
        {d.comments.length === 0 && <p className="text-sm text-slate-500">No comments yet.</p>}
        <ul className="space-y-2">
          {d.comments.map((c) => (
            <li key={c.id} className="text-sm">
              <div className="text-slate-500">
                {c.author} · {formatUtc(c.at)}
              </div>
              <p className="whitespace-pre-wrap">{c.body}</p>
            </li>
          ))}
        </ul>
        {canTriage && (
          <form
            className="space-y-2"
            onSubmit={(e) => {
              e.preventDefault()
              comment.mutate({ id: d.id, body })
            }}
          >
            <textarea className="input h-20 w-full" aria-label="New comment" value={body} onChange={(e) => setBody(e.target.value)} placeholder="What you found, who you asked…" />
            <button className="btn" type="submit" disabled={!body.trim() || comment.isPending}>
              Comment
            </button>
            {comment.error && <ErrorNotice error={comment.error} />}
          </form>
        )}
      </section>

      <section className="card space-y-2" aria-label="Audit trail">
        <h2 className="font-semibold">Audit trail</h2>
        {d.audit.length === 0 ? (
          <EmptyState title="Nothing done to it yet" />
        ) : (
          <table data-testid="audit-trail" className="w-full text-left text-xs">
            <thead>
              <tr>
                <th className="p-1">When</th>
                <th className="p-1">Who</th>
                <th className="p-1">What</th>
                <th className="p-1">Why</th>
                <th className="p-1">Before → after</th>
              </tr>
            </thead>
            <tbody>
              {d.audit.map((a) => (
                <tr key={a.id} className="border-t border-slate-200 align-top dark:border-slate-800">
                  <td className="p-1">{formatUtc(a.at)}</td>
                  <td className="p-1">{a.actor}</td>
                  <td className="p-1 font-mono">{a.action}</td>
                  <td className="p-1">{a.reason}</td>
                  <td className="p-1 font-mono">
                    {JSON.stringify(a.before)} → {JSON.stringify(a.after)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </article>
  )
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}
