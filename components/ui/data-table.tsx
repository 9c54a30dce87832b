'use client'

import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type OnChangeFn,
  type RowData,
  type RowSelectionState,
  type SortingState,
} from '@tanstack/react-table'
import { useRef, useState, type ReactNode } from 'react'
import { useTableKeyboard } from './data-table-keyboard'
import { priorityClass, selectColumn, stickyClass, TableHead } from './data-table-parts'

declare module '@tanstack/react-table' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the augmented interface must keep TanStack's type parameters
  interface ColumnMeta<TData extends RowData, TValue> {
    /** Extra classes of the column's cells (e.g. `font-mono`, `tabular-nums`). */
    className?: string
    /** Let the cells wrap (long messages, JSON); cells stay on one line otherwise. */
    wrap?: boolean
    /**
     * How much the column matters on a narrow screen: 1 (or none) always shown, 2 hidden below a
     * 42rem wide table, 3 below 64rem. The first column and the status/state columns ignore it.
     */
    priority?: 1 | 2 | 3
  }
}

/**
 * The one table of the console (UI.md "Tables"): TanStack Table with sticky headers, sortable
 * columns, an optional checkbox column, and keyboard habits from Gmail/Sentry: j/k move the active
 * row, Enter (or a click) opens it in the peek panel, Esc closes it, x toggles its selection.
 * Shortcuts are ignored while the user types in a field. Sorting is client-side unless the caller
 * controls it (`sorting` + `onSortingChange` + `manualSorting`, e.g. kept in the URL and done by the
 * server). Columns without an accessor (display columns) do not sort.
 */
export interface DataTableProps<T> {
  /** Accessible name of the table (e.g. "Transactions"). */
  label: string
  data: readonly T[]
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TanStack's column value types vary per column
  columns: ColumnDef<T, any>[]
  /** The row's id (`data-row-id`, selection keys); the index serves rows without one of their own. */
  getRowId: (row: T, index: number) => string
  /** A `data-testid` per row, for tables whose rows the end-to-end tests find by name. */
  rowTestId?: (row: T) => string
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
  /** Listen for j/k/Enter/Esc/x on the page (one table per page should; pass false for the others). */
  keyboard?: boolean
  testId?: string
}

export function DataTable<T>({
  label,
  data,
  columns,
  getRowId,
  rowTestId,
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
    getRowId: (row, index) => getRowId(row, index),
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
  useTableKeyboard(keyboard, { rows, active, setActive, openId, onOpen, onClose, bodyRef })

  return (
    // `@container`: the columns' priority classes answer to the table's own width, not the window's.
    <div className="@container overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800" data-testid={testId}>
      <table aria-label={label} className="w-full border-collapse text-sm">
        <TableHead table={table} />
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
                  data-testid={rowTestId?.(row.original)}
                  aria-selected={isOpen}
                  onClick={(event) => {
                    // Clicks on links, buttons, fields and checkboxes inside a row do their own thing.
                    if ((event.target as HTMLElement).closest('a,button,input,select,textarea,label')) return
                    if (keyboard) setActive(row.id)
                    onOpen?.(row.original)
                  }}
                  // Rows always have a background: the sticky first cell inherits it to cover what scrolls under it.
                  className={`border-b border-slate-100 last:border-0 dark:border-slate-800 ${onOpen ? 'cursor-pointer' : ''} ${
                    isOpen ? 'bg-sky-50 dark:bg-sky-950' : isActive ? 'bg-slate-100 dark:bg-slate-800' : 'bg-white hover:bg-slate-50 dark:bg-slate-950 dark:hover:bg-slate-900'
                  } ${isActive ? 'outline outline-2 -outline-offset-2 outline-sky-500' : ''}`}
                >
                  {row.getVisibleCells().map((cell) => {
                    const meta = cell.column.columnDef.meta
                    return (
                      <td key={cell.id} className={`${meta?.wrap ? 'whitespace-normal' : 'whitespace-nowrap'} px-3 py-1.5 align-top ${meta?.className ?? ''} ${priorityClass(cell.column, table)} ${stickyClass(cell.column, false)}`}>
                        {flexRender(cell.column.columnDef.cell, cell.getContext())}
                      </td>
                    )
                  })}
                </tr>
              )
            })
          )}
        </tbody>
      </table>
    </div>
  )
}
