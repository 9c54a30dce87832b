'use client'

import { flexRender, type ColumnDef, type Table } from '@tanstack/react-table'

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
