'use client'

import { useMutation } from '@tanstack/react-query'
import type { ColumnDef } from '@tanstack/react-table'
import { useState } from 'react'
import { useTRPC } from '../trpc/client'
import { DataTable } from '../ui/data-table'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { formatUserTime, formatUtc } from '../ui/format'
import type { DeadLetter } from './dead-letter-types'

/** The record's comments; operators of its plant add to them. */
export function DeadLetterComments({ d, canTriage, refresh }: { d: DeadLetter; canTriage: boolean; refresh: () => Promise<void> }) {
  const trpc = useTRPC()
  const [body, setBody] = useState('')
  const comment = useMutation(trpc.deadLetters.comment.mutationOptions({ onSuccess: () => (setBody(''), refresh()) }))
  return (
    <section className="card space-y-2" data-testid="comments" aria-label="Comments">
      <h2 className="font-semibold">Comments ({d.comments.length})</h2>
      {d.comments.length === 0 && <p className="text-sm text-slate-500">No comments yet.</p>}
      <ul className="space-y-2">
        {d.comments.map((c) => (
          <li key={c.id} className="text-sm">
            <div className="text-slate-500">
              {c.author} · <span title={formatUtc(c.at)}>{formatUserTime(c.at)}</span>
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
  )
}

type Entry = DeadLetter['audit'][number]

const auditColumns: ColumnDef<Entry>[] = [
  { id: 'at', header: 'When', meta: { className: 'text-xs' }, cell: ({ row }) => <span title={formatUtc(row.original.at)}>{formatUserTime(row.original.at)}</span> },
  { id: 'actor', header: 'Who', meta: { className: 'text-xs' }, cell: ({ row }) => row.original.actor },
  { id: 'action', header: 'What', meta: { className: 'font-mono text-xs' }, cell: ({ row }) => row.original.action },
  { id: 'reason', header: 'Why', meta: { className: 'text-xs', wrap: true }, cell: ({ row }) => row.original.reason },
  {
    id: 'change',
    header: 'Before → after',
    meta: { className: 'break-all font-mono text-xs', wrap: true },
    cell: ({ row }) => `${JSON.stringify(row.original.before)} → ${JSON.stringify(row.original.after)}`,
  },
]

/** Everything done to the record, by whom and why. */
export function DeadLetterAudit({ d }: { d: DeadLetter }) {
  return (
    <section className="card space-y-2" aria-label="Audit trail">
      <h2 className="font-semibold">Audit trail</h2>
      {d.audit.length === 0 ? (
        <EmptyState title="Nothing done to it yet" />
      ) : (
        <DataTable label="Audit trail" testId="audit-trail" data={d.audit} columns={auditColumns} getRowId={(a) => a.id} keyboard={false} />
      )}
    </section>
  )
}
