'use client'

import { useMutation } from '@tanstack/react-query'
import type { FormEvent } from 'react'
import { ErrorNotice } from '../ui/empty-state'
import { useTRPC } from '../trpc/client'
import { ROLE_OPTIONS, type RoleOption } from './user-edits'

/** A new password user with a role and plants; `onCreated` refreshes the lists. */
export function CreateUserForm({ plants, onCreated }: { plants: readonly { code: string }[]; onCreated: () => void }) {
  const trpc = useTRPC()
  const create = useMutation(trpc.admin.users.create.mutationOptions({ onSuccess: onCreated }))

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
          {plants.map((p) => (
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
  )
}
