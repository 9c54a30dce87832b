'use client'

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { FormEvent } from 'react'
import { ErrorNotice } from '../ui/empty-state'
import { useTRPC } from '../trpc/client'

const ROLE_OPTIONS = ['viewer', 'operator', 'admin'] as const
type RoleOption = (typeof ROLE_OPTIONS)[number]

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
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-2 pr-3">Email</th>
            <th className="py-2 pr-3">Name</th>
            <th className="py-2 pr-3">Role</th>
            <th className="py-2 pr-3">Plants</th>
            <th className="py-2 pr-3">Status</th>
          </tr>
        </thead>
        <tbody>
          {users.data?.map((u) => (
            <tr key={u.id} className="border-t border-slate-200 align-top dark:border-slate-800" data-testid={`user-row-${u.email}`}>
              <td className="py-2 pr-3">{u.email}</td>
              <td className="py-2 pr-3">{u.name}</td>
              <td className="py-2 pr-3">
                <select
                  aria-label={`Role of ${u.email}`}
                  className="input"
                  value={u.role}
                  disabled={u.email === currentUser || update.isPending}
                  onChange={(e) => update.mutate({ id: u.id, change: { role: e.target.value as RoleOption } })}
                >
                  {ROLE_OPTIONS.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td className="py-2 pr-3">
                {u.role === 'admin' ? (
                  <span className="text-slate-500">all plants</span>
                ) : (
                  <fieldset className="flex flex-wrap gap-2" aria-label={`Plants of ${u.email}`}>
                    {plants.data?.map((p) => (
                      <label key={p.code} className="flex items-center gap-1">
                        <input
                          type="checkbox"
                          checked={u.plants.includes(p.code)}
                          disabled={update.isPending}
                          onChange={(e) =>
                            update.mutate({
                              id: u.id,
                              change: { plants: e.target.checked ? [...u.plants, p.code] : u.plants.filter((c) => c !== p.code) },
                            })
                          }
                        />
                        {p.code}
                      </label>
                    ))}
                  </fieldset>
                )}
              </td>
              <td className="py-2 pr-3">
                <button
                  type="button"
                  className="btn"
                  disabled={u.email === currentUser || update.isPending}
                  onClick={() => update.mutate({ id: u.id, change: { disabled: !u.disabled } })}
                >
                  {u.disabled ? 'Enable' : 'Disable'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
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
