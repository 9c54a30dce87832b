'use client'

import type { Row } from '@tanstack/react-table'
import { useEffect, useRef, type RefObject } from 'react'
import { hasModifier, isTyping } from './keyboard'

interface TableKeys<T> {
  rows: Row<T>[]
  active: string | null
  setActive: (id: string) => void
  openId?: string | null
  onOpen?: (row: T) => void
  onClose?: () => void
  bodyRef: RefObject<HTMLTableSectionElement | null>
}

/**
 * The table's keyboard habits from Gmail/Sentry, listened for on the page: j/k move the active row,
 * Enter opens it in the peek panel, Esc closes it, x toggles its selection. Shortcuts are ignored
 * while the user types in a field.
 */
export function useTableKeyboard<T>(enabled: boolean, keys: TableKeys<T>) {
  // Keep the handler's view of rows fresh without re-subscribing on every render.
  const latest = useRef(keys)
  useEffect(() => {
    latest.current = keys
  })

  useEffect(() => {
    if (!enabled) return
    function onKey(event: KeyboardEvent) {
      if (hasModifier(event) || isTyping(event.target)) return
      const { rows, active, setActive, openId, onOpen, onClose, bodyRef } = latest.current
      if (rows.length === 0) return
      const current = active ?? openId ?? null
      const index = current ? rows.findIndex((r) => r.id === current) : -1
      const move = (to: number) => {
        const row = rows[Math.max(0, Math.min(rows.length - 1, to))]!
        setActive(row.id)
        bodyRef.current?.querySelector(`[data-row-id="${CSS.escape(row.id)}"]`)?.scrollIntoView({ block: 'nearest' })
        // While the peek panel is open, moving follows with it (like Sentry's issue stream).
        if (openId && onOpen) onOpen(row.original)
      }
      if (event.key === 'j' || event.key === 'ArrowDown') move(index + 1)
      else if (event.key === 'k' || event.key === 'ArrowUp') move(index < 0 ? 0 : index - 1)
      else if (event.key === 'Enter' && index >= 0 && onOpen) onOpen(rows[index]!.original)
      else if (event.key === 'Escape' && openId && onClose) onClose()
      else if (event.key === 'x' && index >= 0 && rows[index]!.getCanSelect()) rows[index]!.toggleSelected()
      else return
      event.preventDefault()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [enabled])
}
