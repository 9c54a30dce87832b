import { describe, expect, it } from 'vitest'
import { can, scopePlants, type Principal } from './permissions'

const p = (role: Principal['role'], plants: Principal['plants']): Principal => ({ kind: 'session', userId: 'u', label: 'u', role, plants })

describe('can', () => {
  it('ranks roles: viewer views, operator triages and replays, only admin forces and administers', () => {
    const viewer = p('viewer', ['1000'])
    const operator = p('operator', ['1000'])
    const admin = p('admin', 'all')
    expect([can(viewer, 'view'), can(viewer, 'triage'), can(viewer, 'replay'), can(viewer, 'administer')]).toEqual([true, false, false, false])
    expect([can(operator, 'replay'), can(operator, 'force'), can(operator, 'administer')]).toEqual([true, false, false])
    expect([can(admin, 'force'), can(admin, 'administer')]).toEqual([true, true])
  })

  it('checks the plant scope when a plant is named', () => {
    const operator = p('operator', ['1000', '2000'])
    expect(can(operator, 'replay', '2000')).toBe(true)
    expect(can(operator, 'replay', '3000')).toBe(false)
    expect(can(p('admin', 'all'), 'replay', '3000')).toBe(true)
  })

  it('refuses everything to nobody', () => {
    expect(can(null, 'view')).toBe(false)
  })
})

describe('scopePlants', () => {
  const known = ['1000', '2000', '3000']
  it('narrows a filter to the scope and defaults to every allowed plant', () => {
    const viewer = p('viewer', ['1000', '2000'])
    expect(scopePlants(viewer, undefined, known)).toEqual(['1000', '2000'])
    expect(scopePlants(viewer, ['2000', '3000'], known)).toEqual(['2000'])
    expect(scopePlants(p('admin', 'all'), [], known)).toEqual(known)
  })
})
