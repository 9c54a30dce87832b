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
    expect(html).toMatch(/<td class="whitespace-normal [^"]*font-mono">Ada<\/td>/)
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
})
