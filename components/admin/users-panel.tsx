'use client'

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { ColumnDef } from '@tanstack/react-table'
import type { FormEvent } from 'react'
import { DataTable } from '../ui/data-table'
import { ErrorNotice } from '../ui/empty-state'
import { useTRPC, type RouterInputs, type RouterOutputs } from '../trpc/client'

const ROLE_OPTIONS = ['viewer', 'operator', 'admin'] as const
type RoleOption = (typeof ROLE_OPTIONS)[number]
type User = RouterOutputs['admin']['users']['list'][number]
type UserChange = RouterInputs['admin']['users']['update']['change']

interface UserColumnsProps {
  currentUser: string
  plants: readonly { code: string }[]
  pending: boolean
  change: (id: string, change: UserChange) => void
}

/** Role, plants and status are edited in place; nobody demotes or disables themselves. */
function userColumns({ currentUser, plants, pending, change }: UserColumnsProps): ColumnDef<User>[] {
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
          value={u.role}
          disabled={u.email === currentUser || pending}
          onChange={(e) => change(u.id, { role: e.target.value as RoleOption })}
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
      cell: ({ row: { original: u } }) =>
        u.role === 'admin' ? (
          <span className="text-slate-500">all plants</span>
        ) : (
          <fieldset className="flex flex-wrap gap-2" aria-label={`Plants of ${u.email}`}>
            {plants.map((p) => (
              <label key={p.code} className="flex items-center gap-1">
                <input
                  type="checkbox"
                  checked={u.plants.includes(p.code)}
                  disabled={pending}
                  onChange={(e) => change(u.id, { plants: e.target.checked ? [...u.plants, p.code] : u.plants.filter((c) => c !== p.code) })}
                />
                {p.code}
              </label>
            ))}
          </fieldset>
        ),
    },
    {
      id: 'status',
      header: 'Status',
      cell: ({ row: { original: u } }) => (
        <button type="button" className="btn" disabled={u.email === currentUser || pending} onClick={() => change(u.id, { disabled: !u.disabled })}>
          {u.disabled ? 'Enable' : 'Disable'}
        </button>
      ),
    },
  ]
}

export function UsersPanel({ currentUser }: { currentUser: string }) {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const users = useQuery(trpc.admin.users.list.queryOptions())
  const plants = useQuery(trpc.plants.list.queryOptions())
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.admin.pathKey() })
  const create = useMutation(trpc.admin.users.create.mutationOptions({ onSuccess: invalidate }))
  const update = useMutation(trpc.admin.users.update.mutationOptions({ onSuccess: invalidate }))

  function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const formElement = event.currentTarget
    const form = new FormData(formElement)
    create.mutate(
      {
        email: String(form.get('email')),
        name: String(form.get('name')),
        password: String(form.get('password')),
        role: String(form.get('role')) as RoleOption,
        plants: form.getAll('plants').map(String),
      },
      { onSuccess: () => formElement.reset() },
    )
  }

  return (
    <section aria-labelledby="users-title" className="space-y-3">
      <h2 id="users-title" className="text-lg font-semibold">
        Users
      </h2>
      {users.error && <ErrorNotice error={users.error} />}
      {update.error && <ErrorNotice error={update.error} />}
      <DataTable
        label="Users"
        data={users.data ?? []}
        columns={userColumns({ currentUser, plants: plants.data ?? [], pending: update.isPending, change: (id, change) => update.mutate({ id, change }) })}
        getRowId={(u) => u.id}
        rowTestId={(u) => `user-row-${u.email}`}
        keyboard={false}
      />
      <form onSubmit={onCreate} className="card flex flex-wrap items-end gap-3" aria-label="Create user">
        <label className="text-sm">
          Email
          <input name="email" type="email" required className="input mt-1 block" />
        </label>
        <label className="text-sm">
          Name
          <input name="name" required className="input mt-1 block" />
        </label>
        <label className="text-sm">
          Initial password
          <input name="password" type="password" minLength={10} required className="input mt-1 block" autoComplete="new-password" />
        </label>
        <label className="text-sm">
          Role
          <select name="role" className="input mt-1 block" defaultValue="viewer">
            {ROLE_OPTIONS.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <fieldset className="text-sm">
          <legend>Plants</legend>
          <div className="mt-1 flex flex-wrap gap-2">
            {plants.data?.map((p) => (
              <label key={p.code} className="flex items-center gap-1">
                <input type="checkbox" name="plants" value={p.code} />
                {p.code}
              </label>
            ))}
          </div>
        </fieldset>
        <button type="submit" className="btn-primary" disabled={create.isPending}>
          Create user
        </button>
        {create.error && <ErrorNotice error={create.error} />}
      </form>
    </section>
  )
}
