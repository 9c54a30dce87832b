'use client'

import { useQuery } from '@tanstack/react-query'
import { useEffect, useId, useMemo, useState } from 'react'
import { checkEdit } from '@/server/domain/replay-edits'
import { useTRPC } from '../trpc/client'
import { ErrorNotice } from '../ui/empty-state'
import { prettyJson } from '../ui/format'
import { RelativeTime } from '../ui/relative-time'
import { PatchList } from './patch-list'

/**
 * One record's payload as editable JSON text: validated against the flow's message schema as you
 * type (the same check the server repeats), the diff shown before saving. For an order that went
 * TECO (BS/013) it offers the order the line runs now.
 */
export function EditDialog({ deadLetterId, current, onSave, onClose }: { deadLetterId: string; current?: string; onSave: (value: string) => void; onClose: () => void }) {
  const trpc = useTRPC()
  const titleId = useId()
  const context = useQuery(trpc.replays.editContext.queryOptions({ deadLetterId }))
  const [text, setText] = useState<string | null>(null)
  const original = context.data?.value ?? null
  const value = text ?? (current !== undefined ? prettyJson(current) : original === null ? '' : prettyJson(original))
  const check = useMemo(() => (original === null && !context.data ? null : checkEdit(original, value)), [original, value, context.data])

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose()
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [onClose])

  function applyRunningOrder(order: string) {
    try {
      const msg = JSON.parse(value) as Record<string, unknown>
      setText(JSON.stringify({ ...msg, work_order: order }, null, 2))
    } catch {
      // The text is not JSON right now: the inline error already says so.
    }
  }

  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/40 p-4">
      <div role="dialog" aria-modal="true" aria-labelledby={titleId} className="card max-h-[90vh] w-full max-w-4xl space-y-3 overflow-auto">
        <h2 id={titleId} className="text-lg font-semibold">
          Edit payload of dead letter <span className="font-mono text-sm">{deadLetterId.slice(0, 8)}</span>
        </h2>
        {context.error && <ErrorNotice error={context.error} />}
        {context.data?.runningOrder && (
          <p className="rounded border border-amber-300 bg-amber-50 p-2 text-sm dark:border-amber-800 dark:bg-amber-950">
            Order {context.data.workOrder} is technically completed (TECO). Line {context.data.line} now runs order{' '}
            <strong className="font-mono">{context.data.runningOrder.workOrder}</strong> (counted{' '}
            <RelativeTime at={context.data.runningOrder.seenAt} />).{' '}
            <button type="button" className="btn" onClick={() => applyRunningOrder(context.data!.runningOrder!.workOrder)}>
              Use order {context.data.runningOrder.workOrder}
            </button>
          </p>
        )}
        <label className="block text-sm">
          Payload (JSON)
          <textarea
            aria-label="Payload (JSON)"
            className="input mt-1 block h-80 w-full font-mono text-xs"
            spellCheck={false}
            value={value}
            onChange={(e) => setText(e.target.value)}
          />
        </label>
        {check && !check.ok && (
          <ul role="alert" aria-label="Validation errors" className="list-disc space-y-0.5 pl-5 text-sm text-red-700 dark:text-red-300">
            {check.issues.map((i) => (
              <li key={`${i.path}:${i.message}`}>
                <code>{i.path}</code>: {i.message}
              </li>
            ))}
          </ul>
        )}
        {check?.ok && (
          <div>
            <p className="text-sm font-medium">Changes (saved with the job and audited):</p>
            <PatchList patch={check.patch} />
          </div>
        )}
        <div className="flex justify-end gap-2">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn-primary" disabled={!check?.ok} onClick={() => check?.ok && onSave(check.value)}>
            Save edit
          </button>
        </div>
      </div>
    </div>
  )
}
