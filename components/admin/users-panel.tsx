'use client'

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { ConfirmDialog } from '../ui/confirm-dialog'
import { DataTable } from '../ui/data-table'
import { ErrorNotice } from '../ui/empty-state'
import { useTRPC } from '../trpc/client'
import { CreateUserForm } from './create-user-form'
import { userColumns } from './user-columns'
import { draftChange, draftLines, type User, type UserDraft } from './user-edits'

interface Pending {
  user: User
  draft: UserDraft
  /** The row's collected edits (cleared once saved), not a one-off such as Disable. */
  fromRow: boolean
}

/** What the dialog asks: the user named, each change on its own line. */
export function ConfirmUserChange({ pending, saving, onConfirm, onCancel }: { pending: Pending; saving: boolean; onConfirm: () => void; onCancel: () => void }) {
  const { user, draft } = pending
  return (
    <ConfirmDialog title={`Change ${user.name} (${user.email})?`} confirmLabel="Save changes" pending={saving} onConfirm={onConfirm} onCancel={onCancel}>
      <p>This takes effect at the user&apos;s next request and is recorded in the audit log:</p>
      <ul className="mt-2 list-disc pl-5 font-medium" data-testid="pending-changes">
        {draftLines(user, draft).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {draft.disabled && <p className="mt-2">A disabled user is signed out everywhere at once.</p>}
    </ConfirmDialog>
  )
}

export function UsersPanel({ currentUser }: { currentUser: string }) {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const users = useQuery(trpc.admin.users.list.queryOptions())
  const plants = useQuery(trpc.plants.list.queryOptions())
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.admin.pathKey() })
  const update = useMutation(trpc.admin.users.update.mutationOptions({ onSuccess: invalidate }))
  const [drafts, setDrafts] = useState<ReadonlyMap<string, UserDraft>>(new Map())
  const [pending, setPending] = useState<Pending | null>(null)
  const [saved, setSaved] = useState<string | null>(null)

  const setDraft = (id: string, draft: UserDraft | null) =>
    setDrafts((all) => {
      const next = new Map(all)
      if (draft) next.set(id, draft)
      else next.delete(id)
      return next
    })

  function confirm() {
    if (!pending) return
    const { user, draft, fromRow } = pending
    const change = draftChange(user, draft)
    if (!change) return setPending(null)
    const lines = draftLines(user, draft)
    update.mutate(
      { id: user.id, change },
      {
        onSuccess: () => {
          if (fromRow) setDraft(user.id, null)
          setSaved(`Saved ${user.email}: ${lines.join('; ')}.`)
          setPending(null)
        },
        // The dialog closes on an error too; the draft stays for another try and the error shows above the table.
        onError: () => setPending(null),
      },
    )
  }

  return (
    <section aria-labelledby="users-title" className="space-y-3">
      <h2 id="users-title" className="text-lg font-semibold">
        Users
      </h2>
      <p className="text-sm text-slate-600 dark:text-slate-400">Role and plant edits are collected per user; “Review & save…” shows what will change before anything is saved.</p>
      {users.error && <ErrorNotice error={users.error} />}
      {update.error && <ErrorNotice error={update.error} />}
      {saved && !update.error && (
        <p role="status" className="rounded border border-emerald-300 bg-emerald-50 p-3 text-sm dark:border-emerald-800 dark:bg-emerald-950" data-testid="user-saved">
          {saved}
        </p>
      )}
      <DataTable
        label="Users"
        data={users.data ?? []}
        columns={userColumns({
          currentUser,
          plants: plants.data ?? [],
          pending: update.isPending,
          drafts,
          edit: (u, draft) => (setSaved(null), setDraft(u.id, draft)),
          review: (u, draft) => (update.reset(), setPending({ user: u, draft, fromRow: draft === drafts.get(u.id) })),
          undo: (u) => setDraft(u.id, null),
        })}
        getRowId={(u) => u.id}
        rowTestId={(u) => `user-row-${u.email}`}
        keyboard={false}
      />
      {pending && <ConfirmUserChange pending={pending} saving={update.isPending} onConfirm={confirm} onCancel={() => setPending(null)} />}
      <CreateUserForm plants={plants.data ?? []} onCreated={invalidate} />
    </section>
  )
}
