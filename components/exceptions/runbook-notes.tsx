'use client'

import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useTRPC, type RouterOutputs } from '../trpc/client'
import { ErrorNotice } from '../ui/empty-state'
import { RelativeTime } from '../ui/relative-time'

type Note = RouterOutputs['deadLetters']['group']['notes'][number]

/**
 * Runbook notes of a group: what people learnt about this root cause, plain text (rendered as
 * text), shown to everyone who sees the group; operators and admins add them (audited).
 */
export function RunbookNotes({ fingerprint, notes, canWrite }: { fingerprint: string; notes: Note[]; canWrite: boolean }) {
  const trpc = useTRPC()
  const qc = useQueryClient()
  const [body, setBody] = useState('')
  const add = useMutation(
    trpc.deadLetters.addRunbookNote.mutationOptions({
      onSuccess: () => {
        setBody('')
        void qc.invalidateQueries({ queryKey: trpc.deadLetters.group.pathKey() })
      },
    }),
  )

  return (
    <section className="card space-y-2 text-sm" aria-label="Runbook notes" data-testid="runbook-notes">
      <h2 className="font-semibold">Runbook notes</h2>
      {notes.length === 0 && <p className="text-slate-500">No notes yet. Write down what fixed this cause, for the next person.</p>}
      <ul className="space-y-2">
        {notes.map((n) => (
          <li key={n.id} data-testid="runbook-note">
            <p className="whitespace-pre-wrap">{n.body}</p>
            <p className="text-xs text-slate-500">
              {n.author} · <RelativeTime at={n.at} />
            </p>
          </li>
        ))}
      </ul>
      {canWrite && (
        <form
          className="space-y-1"
          onSubmit={(e) => {
            e.preventDefault()
            add.mutate({ fingerprint, body })
          }}
        >
          <textarea className="input h-20 w-full" aria-label="New runbook note" value={body} onChange={(e) => setBody(e.target.value)} maxLength={4000} />
          <button className="btn" type="submit" disabled={body.trim().length < 3 || add.isPending}>
            Add note
          </button>
        </form>
      )}
      {add.error && <ErrorNotice error={add.error} />}
    </section>
  )
}
