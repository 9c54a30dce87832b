'use client'

import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type OnChangeFn,
  type RowSelectionState,
  type SortingState,
} from '@tanstack/react-table'
import { useEffect, useRef, useState, type ReactNode } from 'react'

/**
 * The one table of the console (UI.md "Tables"): TanStack Table with sticky headers, sortable
 * columns, an optional checkbox column, and keyboard habits from Gmail/Sentry: j/k move the active
 * row, Enter (or a click) opens it in the peek panel, Esc closes it, x toggles its selection.
 * Shortcuts are ignored while the user types in a field. Sorting is client-side unless the caller
 * controls it (`sorting` + `onSortingChange` + `manualSorting`, e.g. kept in the URL and done by the
 * server).
 */
export interface DataTableProps<T> {
  /** Accessible name of the table (e.g. "Transactions"). */
  label: string
  data: readonly T[]
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TanStack's column value types vary per column
  columns: ColumnDef<T, any>[]
  getRowId: (row: T) => string
  /** The row shown in the peek panel, highlighted. */
  openId?: string | null
  onOpen?: (row: T) => void
  onClose?: () => void
  sorting?: SortingState
  onSortingChange?: OnChangeFn<SortingState>
  manualSorting?: boolean
  /** Enables the checkbox column. */
  rowSelection?: RowSelectionState
  onRowSelectionChange?: OnChangeFn<RowSelectionState>
  /** Shown instead of the body when there are no rows: say why and what to do. */
  empty?: ReactNode
  /** Listen for j/k/Enter/Esc/x on the page (one table per page should). */
  keyboard?: boolean
  testId?: string
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)
}

export function DataTable<T>({
  label,
  data,
  columns,
  getRowId,
  openId,
  onOpen,
  onClose,
  sorting,
  onSortingChange,
  manualSorting,
  rowSelection,
  onRowSelectionChange,
  empty,
  keyboard = true,
  testId,
}: DataTableProps<T>) {
  const [localSorting, setLocalSorting] = useState<SortingState>([])
  const selectable = !!onRowSelectionChange
  // The React Compiler cannot memoise TanStack's table object; this component does not rely on it.
  // eslint-disable-next-line react-hooks/incompatible-library
  const table = useReactTable({
    data: data as T[],
    columns: selectable ? [selectColumn<T>(), ...columns] : columns,
    getRowId: (row) => getRowId(row),
    state: { sorting: sorting ?? localSorting, rowSelection: rowSelection ?? {} },
    onSortingChange: onSortingChange ?? setLocalSorting,
    onRowSelectionChange,
    enableRowSelection: selectable,
    manualSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: manualSorting ? undefined : getSortedRowModel(),
  })
  const rows = table.getRowModel().rows
  const [active, setActive] = useState<string | null>(null)
  const bodyRef = useRef<HTMLTableSectionElement>(null)
  // Keep the handler's view of rows fresh without re-subscribing on every render.
  const latest = useRef({ rows, active, openId, onOpen, onClose })
  latest.current = { rows, active, openId, onOpen, onClose }

  useEffect(() => {
    if (!keyboard) return
    function onKey(event: KeyboardEvent) {
      if (event.metaKey || event.ctrlKey || event.altKey || isTyping(event.target)) return
      const { rows, active, openId, onOpen, onClose } = latest.current
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
  }, [keyboard])

  return (
    <div className="overflow-auto rounded-lg border border-slate-200 dark:border-slate-800" data-testid={testId}>
      <table aria-label={label} className="w-full border-collapse text-sm">
        <thead className="sticky top-0 z-10 bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:bg-slate-900 dark:text-slate-400">
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const sortable = header.column.getCanSort()
                const dir = header.column.getIsSorted()
                return (
                  <th
                    key={header.id}
                    scope="col"
                    aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : undefined}
                    className="whitespace-nowrap border-b border-slate-200 px-3 py-2 font-medium dark:border-slate-800"
                  >
                    {header.isPlaceholder ? null : sortable ? (
                      <button type="button" className="inline-flex items-center gap-1 uppercase" onClick={header.column.getToggleSortingHandler()}>
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        <span aria-hidden="true">{dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : '↕'}</span>
                      </button>
                    ) : (
                      flexRender(header.column.columnDef.header, header.getContext())
                    )}
                  </th>
                )
              })}
            </tr>
          ))}
        </thead>
        <tbody ref={bodyRef}>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={table.getVisibleLeafColumns().length} className="p-0">
                {empty}
              </td>
            </tr>
          ) : (
            rows.map((row) => {
              const isOpen = row.id === openId
              const isActive = row.id === active
              return (
                <tr
                  key={row.id}
                  data-row-id={row.id}
                  aria-selected={isOpen}
                  onClick={(event) => {
                    // Clicks on links, buttons and checkboxes inside a row do their own thing.
                    if ((event.target as HTMLElement).closest('a,button,input,label')) return
                    setActive(row.id)
                    onOpen?.(row.original)
                  }}
                  className={`border-b border-slate-100 last:border-0 dark:border-slate-800 ${onOpen ? 'cursor-pointer' : ''} ${
                    isOpen ? 'bg-sky-50 dark:bg-sky-950' : isActive ? 'bg-slate-100 dark:bg-slate-800' : 'hover:bg-slate-50 dark:hover:bg-slate-900'
                  } ${isActive ? 'outline outline-2 -outline-offset-2 outline-sky-500' : ''}`}
                >
                  {row.getVisibleCells().map((cell) => (
                    <td key={cell.id} className="whitespace-nowrap px-3 py-1.5 align-top">
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </td>
                  ))}
                </tr>
              )
            })
          )}
        </tbody>
      </table>
    </div>
  )
}

function selectColumn<T>(): ColumnDef<T, unknown> {
  return {
    id: '_select',
    enableSorting: false,
    header: ({ table }) => (
      <input
        type="checkbox"
        aria-label="Select all rows"
        checked={table.getIsAllRowsSelected()}
        ref={(el) => {
          if (el) el.indeterminate = table.getIsSomeRowsSelected()
        }}
        onChange={table.getToggleAllRowsSelectedHandler()}
      />
    ),
    cell: ({ row }) => (
      <input type="checkbox" aria-label={`Select row ${row.id}`} checked={row.getIsSelected()} onChange={row.getToggleSelectedHandler()} />
    ),
  }
}

/** "1–50 of 3,214" (or "50 shown, more available" when the total is unknown). */
export function RowCount({ first, shown, total }: { first: number; shown: number; total?: number | null }) {
  const fmt = new Intl.NumberFormat('en-US')
  const text =
    shown === 0
      ? 'No rows'
      : total === undefined || total === null
        ? `${fmt.format(first)}–${fmt.format(first + shown - 1)}, more may follow`
        : `${fmt.format(first)}–${fmt.format(first + shown - 1)} of ${fmt.format(total)}`
  return (
    <p className="text-sm tabular-nums text-slate-500 dark:text-slate-400" data-testid="row-count">
      {text}
    </p>
  )
}
