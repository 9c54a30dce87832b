import type { ColumnDef } from '@tanstack/react-table'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { DataTable } from './data-table'

interface Row {
  id: string
  name: string
}

const columns: ColumnDef<Row>[] = [
  { id: 'name', header: 'Name', meta: { className: 'font-mono', wrap: true }, cell: ({ row }) => row.original.name },
  { id: 'sorted', header: 'Sorted', accessorKey: 'name' },
]

describe('DataTable', () => {
  it('renders its label, a test id per row and the column classes', () => {
    const html = renderToStaticMarkup(
      <DataTable label="People" testId="people" data={[{ id: 'a', name: 'Ada' }]} columns={columns} getRowId={(r) => r.id} rowTestId={(r) => `person-${r.name}`} keyboard={false} />,
    )
    expect(html).toContain('data-testid="people"')
    expect(html).toContain('aria-label="People"')
    expect(html).toContain('data-row-id="a"')
    expect(html).toContain('data-testid="person-Ada"')
    expect(html).toMatch(/<td class="whitespace-normal [^"]*font-mono[^"]*">Ada<\/td>/)
  })

  it('sorts only columns with an accessor', () => {
    const html = renderToStaticMarkup(<DataTable label="People" data={[]} columns={columns} getRowId={(r) => r.id} keyboard={false} />)
    expect(html).toMatch(/<th [^>]*>Name<\/th>/)
    expect(html).toMatch(/<th [^>]*><button[^>]*>Sorted/)
  })

  it('shows the empty message instead of rows', () => {
    const html = renderToStaticMarkup(<DataTable label="People" data={[]} columns={columns} getRowId={(r) => r.id} empty={<p>Nobody yet</p>} keyboard={false} />)
    expect(html).toContain('<td colSpan="2" class="p-0"><p>Nobody yet</p></td>')
  })

  describe('on narrow screens (issue #19 item 7)', () => {
    interface Txn {
      id: string
      key: string
      state: string
      plant: string
      material: string
    }
    const txnColumns: ColumnDef<Txn>[] = [
      { id: 'key', header: 'Work order', meta: { priority: 3 }, cell: ({ row }) => row.original.key },
      { id: 'plant', header: 'Plant', meta: { priority: 2 }, cell: ({ row }) => row.original.plant },
      { id: 'material', header: 'Material', meta: { priority: 3 }, cell: ({ row }) => row.original.material },
      { id: 'state', header: 'Status', meta: { priority: 3 }, cell: ({ row }) => row.original.state },
      { id: 'flow', header: 'Flow', meta: { priority: 1 }, cell: () => 'production' },
    ]
    const render = (selectable = false) =>
      renderToStaticMarkup(
        <DataTable
          label="Transactions"
          data={[{ id: 't1', key: 'WO-1', state: 'posted', plant: 'P1', material: 'M-7' }]}
          columns={txnColumns}
          getRowId={(r) => r.id}
          keyboard={false}
          {...(selectable ? { rowSelection: {}, onRowSelectionChange: () => {} } : {})}
        />,
      )
    const cellClass = (html: string, text: string) => html.match(new RegExp(`<td class="([^"]*)">${text}</td>`))?.[1] ?? 'missing'
    const headClass = (html: string, text: string) => html.match(new RegExp(`<th scope="col" class="([^"]*)">${text}</th>`))?.[1] ?? 'missing'

    it('hides columns of priority 2 and 3 below their container widths, header and cells alike', () => {
      const html = render()
      expect(html).toMatch(/<div class="@container overflow-x-auto /)
      expect(cellClass(html, 'P1')).toContain('hidden @2xl:table-cell')
      expect(headClass(html, 'Plant')).toContain('hidden @2xl:table-cell')
      expect(cellClass(html, 'M-7')).toContain('hidden @5xl:table-cell')
      expect(headClass(html, 'Material')).toContain('hidden @5xl:table-cell')
      expect(cellClass(html, 'production')).not.toContain('hidden')
    })

    it('never hides the status column nor the first column, whatever their priority', () => {
      const html = render()
      expect(cellClass(html, 'posted')).not.toContain('hidden')
      expect(headClass(html, 'Status')).not.toContain('hidden')
      expect(cellClass(html, 'posted')).toContain('whitespace-nowrap')
      expect(cellClass(html, 'WO-1')).not.toContain('hidden')
      expect(headClass(html, 'Work order')).not.toContain('hidden')
    })

    it('keeps the first column in view while the table scrolls sideways, unless it is the checkbox column', () => {
      expect(cellClass(render(), 'WO-1')).toContain('sticky left-0')
      expect(headClass(render(), 'Work order')).toContain('sticky left-0')
      const selectable = render(true)
      expect(selectable).not.toContain('sticky left-0')
      // The checkbox column does not take the first data column's place: it is still never hidden.
      expect(cellClass(selectable, 'WO-1')).not.toContain('hidden')
      expect(cellClass(selectable, 'M-7')).toContain('hidden @5xl:table-cell')
      expect(cellClass(selectable, 'posted')).not.toContain('hidden')
    })
  })
})
