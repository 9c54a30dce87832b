'use client'

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import Link from 'next/link'
import { parseAsString, useQueryState } from 'nuqs'
import { useState } from 'react'
import { ConfirmDialog } from '../ui/confirm-dialog'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { useTRPC } from '../trpc/client'
import { TapEditor } from './tap-editor'
import { TapsTable, type TapAction, type TapRow } from './taps-table'

const NEW = 'new'

const CONFIRM: Record<Exclude<TapAction, 'edit'>, { title: string; label: string; body: string }> = {
  enable: {
    title: 'Enable this tap?',
    label: 'Enable',
    body: 'The worker starts reading the topic in its own consumer group (linetrace-tap-<name>), from the start position, and writes a hop event per record. It never writes to the topic and never touches other groups.',
  },
  disable: { title: 'Disable this tap?', label: 'Disable', body: 'The worker stops reading; its group keeps its offsets, so enabling it again continues where it stopped.' },
  resume: { title: 'Resume this tap?', label: 'Resume', body: 'The worker paused it because too many records failed to map. Fix the mapping first (preview it), or it will pause again.' },
}

function EmptyTaps({ onNew }: { onNew: () => void }) {
  return (
    <EmptyState title="No taps yet">
      <p>
        A tap reads a topic a plant already has (MES confirmations, hub postings, ERP acknowledgements) and turns each record into a hop event, so those
        transactions show in traces and KPIs without changing any producer. It only reads, in its own consumer group.
      </p>
      <p className="mt-2">
        <button type="button" className="btn-primary" onClick={onNew}>
          Create a tap
        </button>{' '}
        name the topic, map a correlation id and a work order, preview the newest records, then enable it. Taps can also be declared in a file (TAPS_FILE).
      </p>
    </EmptyState>
  )
}

/** /admin/taps: the taps, their state, and the editor (`?tap=<name>` or `?tap=new`, so it is a link). */
export function TapsPage() {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const taps = useQuery(trpc.taps.list.queryOptions(undefined, { refetchInterval: 10_000 }))
  const [open, setOpen] = useQueryState('tap', parseAsString.withOptions({ history: 'push' }))
  const [pending, setPending] = useState<{ tap: TapRow; action: Exclude<TapAction, 'edit'> } | null>(null)
  const onDone = { onSuccess: () => (setPending(null), void queryClient.invalidateQueries({ queryKey: trpc.taps.pathKey() })) }
  const enable = useMutation(trpc.taps.enable.mutationOptions(onDone))
  const disable = useMutation(trpc.taps.disable.mutationOptions(onDone))
  const resume = useMutation(trpc.taps.resume.mutationOptions(onDone))
  const acting = pending ? { enable, disable, resume }[pending.action] : null
  const editing = open && open !== NEW ? (taps.data?.find((t) => t.name === open) ?? null) : null

  function act(tap: TapRow, action: TapAction) {
    if (action === 'edit') void setOpen(tap.name)
    else setPending({ tap, action })
  }

  return (
    <div className="space-y-6">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold">
          <Link href="/admin">Admin</Link> / Taps
        </h1>
        <button type="button" className="btn-primary" onClick={() => void setOpen(NEW)}>
          New tap
        </button>
      </div>
      {taps.error && <ErrorNotice error={taps.error} />}
      {taps.data && <TapsTable taps={taps.data} onAction={act} empty={<EmptyTaps onNew={() => void setOpen(NEW)} />} />}
      {open && (open === NEW || editing) && (
        <TapEditor key={`${open}:${editing?.updatedAt?.toString() ?? ''}`} tap={editing} onSaved={(name) => void setOpen(name)} onClose={() => void setOpen(null)} />
      )}
      {open && open !== NEW && taps.data && !editing && <ErrorNotice error={{ message: `No tap named ${open}: it may have been deleted. Pick one from the list.` }} />}
      {pending && acting && (
        <ConfirmDialog
          title={CONFIRM[pending.action].title}
          confirmLabel={`${CONFIRM[pending.action].label} ${pending.tap.name}`}
          pending={acting.isPending}
          onConfirm={() => acting.mutate({ name: pending.tap.name })}
          onCancel={() => (acting.reset(), setPending(null))}
        >
          <p>{CONFIRM[pending.action].body.replace('<name>', pending.tap.name)}</p>
          {acting.error && <ErrorNotice error={acting.error} />}
        </ConfirmDialog>
      )}
    </div>
  )
}
