'use client'

import { flexRender, type Column, type ColumnDef, type Table } from '@tanstack/react-table'

/**
 * Columns a narrow table still shows whatever their priority says: the row's state is what the
 * reader scans for, so hiding or clipping it would make the row misleading (issue #19 item 7).
 */
const ALWAYS_SHOWN = new Set(['status', 'state', 'outcome', 'severity', '_select'])

/**
 * The classes that hide a column of lower priority when the table's container is narrow
 * (Tailwind container queries on the table's wrapper, so a table beside an open peek panel narrows
 * like one on a small screen). Priority 1 (or none) is always shown; 2 appears from 42rem, 3 from
 * 64rem: at an 800 px window the table keeps its 1 and 2 columns, with the peek panel open only 1.
 * The first data column (the row's name and usually its link) and the state columns are never hidden.
 * Class names stay literal so Tailwind finds them.
 */
export function priorityClass<T>(column: Column<T, unknown>, table: Table<T>): string {
  if (ALWAYS_SHOWN.has(column.id) || table.getAllLeafColumns().find((c) => c.id !== '_select') === column) return ''
  const priority = column.columnDef.meta?.priority
  return priority === 3 ? 'hidden @5xl:table-cell' : priority === 2 ? 'hidden @2xl:table-cell' : ''
}

/**
 * The first data column stays in view while the table scrolls sideways, so a scrolled row still
 * says which one it is. Tables with a checkbox column keep it simple and do not stick.
 */
export function stickyClass<T>(column: Column<T, unknown>, header: boolean): string {
  if (column.getIndex() !== 0 || column.id === '_select') return ''
  return `sticky left-0 z-[1] ${header ? 'bg-slate-50 dark:bg-slate-900' : 'bg-inherit'}`
}

/** The sticky header row(s): a sortable column's header is a button that cycles its order. */
export function TableHead<T>({ table }: { table: Table<T> }) {
  return (
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
                className={`whitespace-nowrap border-b border-slate-200 px-3 py-2 font-medium dark:border-slate-800 ${priorityClass(header.column, table)} ${stickyClass(header.column, true)}`}
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
  )
}

/** The checkbox column of a table with row selection ("x" toggles the active row's box). */
export function selectColumn<T>(): ColumnDef<T, unknown> {
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
