'use client'

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { ColumnDef } from '@tanstack/react-table'
import { useState, type FormEvent } from 'react'
import { DataTable } from '../ui/data-table'
import { ErrorNotice } from '../ui/empty-state'
import { useTRPC, type RouterOutputs } from '../trpc/client'
import { formatUserTime, formatUtc } from '../ui/format'

type Token = RouterOutputs['admin']['tokens']['list'][number]

function tokenColumns(revoke: (id: string) => void): ColumnDef<Token>[] {
  return [
    { id: 'name', header: 'Name', cell: ({ row }) => row.original.name },
    { id: 'token', header: 'Token', meta: { className: 'font-mono' }, cell: ({ row }) => `${row.original.prefix}…` },
    { id: 'user', header: 'User', cell: ({ row }) => row.original.user.email },
    { id: 'scopes', header: 'Scopes', cell: ({ row }) => row.original.scopes.join(', ') || '—' },
    {
      id: 'lastUsed',
      header: 'Last used',
      cell: ({ row: { original: t } }) => (t.lastUsedAt ? <time dateTime={t.lastUsedAt.toISOString()} title={formatUtc(t.lastUsedAt)}>{formatUserTime(t.lastUsedAt)}</time> : 'never'),
    },
    {
      id: 'state',
      header: 'State',
      cell: ({ row }) =>
        row.original.revokedAt ? (
          'revoked'
        ) : (
          <button type="button" className="btn" onClick={() => revoke(row.original.id)}>
            Revoke
          </button>
        ),
    },
  ]
}

export function TokensPanel() {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const tokens = useQuery(trpc.admin.tokens.list.queryOptions())
  const users = useQuery(trpc.admin.users.list.queryOptions())
  const [issued, setIssued] = useState<string | null>(null)
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.admin.tokens.pathKey() })
  const create = useMutation(trpc.admin.tokens.create.mutationOptions({ onSuccess: (r) => (setIssued(r.token), invalidate()) }))
  const revoke = useMutation(trpc.admin.tokens.revoke.mutationOptions({ onSuccess: invalidate }))

  function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const days = Number(form.get('days'))
    create.mutate({
      userId: String(form.get('userId')),
      name: String(form.get('name')),
      expiresInDays: days > 0 ? days : undefined,
      scopes: form.get('ingest') ? ['ingest'] : [],
    })
  }

  return (
    <section aria-labelledby="tokens-title" className="space-y-3">
      <h2 id="tokens-title" className="text-lg font-semibold">
        API tokens
      </h2>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        REST clients send <code>Authorization: Bearer &lt;token&gt;</code> and act with the role and plants of the token&apos;s user. Tokens that may send telemetry (ingest) are accepted by the OpenTelemetry receiver.
      </p>
      {issued && (
        <div role="status" className="rounded border border-emerald-300 bg-emerald-50 p-3 text-sm dark:border-emerald-800 dark:bg-emerald-950">
          Copy this token now; it is not shown again: <code className="select-all break-all font-mono">{issued}</code>
        </div>
      )}
      {(tokens.error ?? revoke.error) && <ErrorNotice error={(tokens.error ?? revoke.error)!} />}
      <DataTable
        label="API tokens"
        data={tokens.data ?? []}
        columns={tokenColumns((id) => revoke.mutate({ id }))}
        getRowId={(t) => t.id}
        keyboard={false}
        empty={tokens.data && <p className="px-3 py-3 text-slate-500">No API tokens yet. Create one below for a reporting tool or script.</p>}
      />
      <form onSubmit={onCreate} className="card flex flex-wrap items-end gap-3" aria-label="Create API token">
        <label className="text-sm">
          Name
          <input name="name" required maxLength={60} className="input mt-1 block" placeholder="e.g. power-bi" />
        </label>
        <label className="text-sm">
          For user
          <select name="userId" required className="input mt-1 block">
            {users.data?.map((u) => (
              <option key={u.id} value={u.id}>
                {u.email} ({u.role})
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          Expires after (days, empty = never)
          <input name="days" type="number" min={1} max={730} className="input mt-1 block w-28" />
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input name="ingest" type="checkbox" />
          may send telemetry (ingest)
        </label>
        <button type="submit" className="btn-primary" disabled={create.isPending}>
          Create token
        </button>
        {create.error && <ErrorNotice error={create.error} />}
      </form>
    </section>
  )
}
