'use client'

import { useEffect, useId, useRef, type ReactNode } from 'react'

/**
 * Asks before a change takes effect. A native modal <dialog>: the browser traps focus, makes the
 * page behind it inert and turns Escape into a cancel; the confirm button has focus on opening so
 * Enter confirms and Tab reaches Cancel.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  pending = false,
  onConfirm,
  onCancel,
}: {
  title: string
  children: ReactNode
  confirmLabel: string
  pending?: boolean
  onConfirm: () => void
  onCancel: () => void
}) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      className="card m-auto w-full max-w-lg space-y-3 backdrop:bg-slate-900/40"
      onCancel={(e) => {
        // Escape: the parent unmounts the dialog, which closes it; nothing is saved.
        e.preventDefault()
        onCancel()
      }}
    >
      <h2 id={titleId} className="text-lg font-semibold">
        {title}
      </h2>
      <div className="text-sm">{children}</div>
      <div className="flex justify-end gap-2">
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="btn-primary" onClick={onConfirm} disabled={pending} autoFocus>
          {pending ? 'Saving…' : confirmLabel}
        </button>
      </div>
    </dialog>
  )
}
