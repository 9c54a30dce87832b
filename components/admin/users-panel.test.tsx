import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { draftChange, draftLines, type User } from './user-edits'
import { ConfirmUserChange } from './users-panel'

const viewer: User = { id: 'u1', email: 'pat@example.com', name: 'Pat', role: 'viewer', disabled: false, plants: ['1000', '2000'], createdAt: new Date('2026-01-01T00:00:00Z') }
const noop = () => {}

describe('admin user edits', () => {
  it('collects a role change and plant ticks into one change, saying what will change', () => {
    const draft = { role: 'operator' as const, plants: ['2000', '2100'] }
    expect(draftLines(viewer, draft)).toEqual(['role: viewer → operator', 'plants: + 2100, − 1000'])
    expect(draftChange(viewer, draft)).toEqual({ role: 'operator', plants: ['2000', '2100'] })
  })

  it('saves nothing when the ticks end where they started', () => {
    expect(draftChange(viewer, { plants: ['2000', '1000'] })).toBeNull()
    expect(draftChange(viewer, { role: 'viewer' })).toBeNull()
    expect(draftLines(viewer, { plants: ['2000', '1000'] })).toEqual([])
  })

  it('drops the plant list of a promotion to admin (admins see every plant)', () => {
    expect(draftLines(viewer, { role: 'admin', plants: ['3000'] })).toEqual(['role: viewer → admin'])
    expect(draftChange(viewer, { role: 'admin', plants: ['3000'] })).toEqual({ role: 'admin' })
  })

  it('the confirmation dialog names the user, lists each change and offers Cancel and Save', () => {
    const html = renderToStaticMarkup(
      <ConfirmUserChange pending={{ user: viewer, draft: { role: 'operator', plants: ['2000', '2100'] }, fromRow: true }} saving={false} onConfirm={noop} onCancel={noop} />,
    )
    expect(html).toMatch(/^<dialog aria-labelledby="[^"]+"/)
    expect(html).toContain('Change Pat (pat@example.com)?')
    expect(html).toContain('<li>role: viewer → operator</li><li>plants: + 2100, − 1000</li>')
    expect(html).toMatch(/<button type="button" class="btn">Cancel<\/button><button type="button" class="btn-primary"[^>]*>Save changes<\/button>/)
  })

  it('warns that disabling signs the user out, and shows the save in progress', () => {
    const html = renderToStaticMarkup(<ConfirmUserChange pending={{ user: viewer, draft: { disabled: true }, fromRow: false }} saving onConfirm={noop} onCancel={noop} />)
    expect(html).toContain('<li>disabled: no → yes</li>')
    expect(html).toContain('signed out everywhere')
    expect(html).toMatch(/<button[^>]*disabled=""[^>]*>Saving…<\/button>/)
  })
})
