import { describe, expect, it } from 'vitest'
import { describeChange, diffChanges } from './changes'

const describeAll = (before: unknown, after: unknown) => diffChanges(before, after).map(describeChange)

describe('diffChanges / describeChange', () => {
  it('reads a role change and a plant scope change as a person would say them', () => {
    const before = { id: 'u1', email: 'a@x', role: 'viewer', plants: ['1000', '2000'], disabled: false }
    const after = { id: 'u1', email: 'a@x', role: 'operator', plants: ['2000', '2100'], disabled: false }
    expect(describeAll(before, after)).toEqual(['role: viewer → operator', 'plants: + 2100, − 1000'])
  })

  it('lists nothing when only the order of a set or the bookkeeping differs', () => {
    expect(describeAll({ plants: ['1000', '2000'], createdAt: '2026-01-01' }, { plants: ['2000', '1000'], createdAt: '2026-02-01' })).toEqual([])
  })

  it('describes creations, deletions and non-text values', () => {
    expect(describeAll(null, { id: 'x', name: 'power-bi', scopes: ['ingest'], expiresAt: null })).toEqual(['name: power-bi', 'scopes: + ingest'])
    expect(describeAll({ target: 98 }, null)).toEqual(['target: 98 → —'])
    expect(describeAll({ disabled: false, shifts: [{ name: 'A' }] }, { disabled: true, shifts: [{ name: 'B' }] })).toEqual([
      'disabled: no → yes',
      'shifts: [{"name":"A"}] → [{"name":"B"}]',
    ])
  })
})
