import type { ColumnDef } from '@tanstack/react-table'
import { draftChange, ROLE_OPTIONS, type RoleOption, type User, type UserDraft } from './user-edits'

export interface UserColumnsProps {
  currentUser: string
  plants: readonly { code: string }[]
  pending: boolean
  drafts: ReadonlyMap<string, UserDraft>
  /** Edits the draft only: nothing is saved until the admin confirms the change in the dialog. */
  edit: (user: User, draft: UserDraft) => void
  review: (user: User, draft: UserDraft) => void
  undo: (user: User) => void
}

/** Role, plants and status; nobody demotes or disables themselves. */
export function userColumns({ currentUser, plants, pending, drafts, edit, review, undo }: UserColumnsProps): ColumnDef<User>[] {
  const draftOf = (u: User) => drafts.get(u.id) ?? {}
  return [
    { id: 'email', header: 'Email', cell: ({ row }) => row.original.email },
    { id: 'name', header: 'Name', cell: ({ row }) => row.original.name },
    {
      id: 'role',
      header: 'Role',
      cell: ({ row: { original: u } }) => (
        <select
          aria-label={`Role of ${u.email}`}
          className="input"
          value={draftOf(u).role ?? u.role}
          disabled={u.email === currentUser || pending}
          onChange={(e) => edit(u, { ...draftOf(u), role: e.target.value as RoleOption })}
        >
          {ROLE_OPTIONS.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      ),
    },
    {
      id: 'plants',
      header: 'Plants',
      meta: { wrap: true },
      cell: ({ row: { original: u } }) => {
        const draft = draftOf(u)
        if ((draft.role ?? u.role) === 'admin') return <span className="text-slate-500">all plants</span>
        const chosen = draft.plants ?? u.plants
        return (
          <fieldset className="flex flex-wrap gap-2" aria-label={`Plants of ${u.email}`}>
            {plants.map((p) => (
              <label key={p.code} className="flex items-center gap-1">
                <input
                  type="checkbox"
                  checked={chosen.includes(p.code)}
                  disabled={pending}
                  onChange={(e) => edit(u, { ...draft, plants: e.target.checked ? [...chosen, p.code] : chosen.filter((c) => c !== p.code) })}
                />
                {p.code}
              </label>
            ))}
          </fieldset>
        )
      },
    },
    {
      id: 'actions',
      header: 'Changes',
      cell: ({ row: { original: u } }) =>
        draftChange(u, draftOf(u)) ? (
          <span className="flex gap-2">
            <button type="button" className="btn-primary" disabled={pending} onClick={() => review(u, draftOf(u))}>
              Review & save…
            </button>
            <button type="button" className="btn" disabled={pending} onClick={() => undo(u)}>
              Undo
            </button>
          </span>
        ) : (
          <span className="text-slate-500" aria-label="no unsaved edits">—</span>
        ),
    },
    {
      id: 'status',
      header: 'Status',
      cell: ({ row: { original: u } }) => (
        <button type="button" className="btn" disabled={u.email === currentUser || pending} onClick={() => review(u, { disabled: !u.disabled })}>
          {u.disabled ? 'Enable…' : 'Disable…'}
        </button>
      ),
    },
  ]
}
