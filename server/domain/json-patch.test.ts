import { describe, expect, it } from 'vitest'
import { jsonDiff } from './json-patch'

describe('jsonDiff (RFC 6902 operations)', () => {
  it('finds replaced, added and removed fields, nested, with escaped paths', () => {
    const before = { a: 1, b: { c: 'x', 'd/e': 1, 'f~g': 1 }, list: [1, 2], gone: true }
    const after = { a: 2, b: { c: 'x', 'd/e': 2, 'f~g': 2 }, list: [1, 3], added: { z: null } }
    expect(jsonDiff(before, after)).toEqual([
      { op: 'replace', path: '/a', value: 2 },
      { op: 'replace', path: '/b/d~1e', value: 2 },
      { op: 'replace', path: '/b/f~0g', value: 2 },
      { op: 'replace', path: '/list/1', value: 3 },
      { op: 'remove', path: '/gone' },
      { op: 'add', path: '/added', value: { z: null } },
    ])
  })

  it('replaces an array whose length changed, and the whole value when the types differ', () => {
    expect(jsonDiff({ l: [1] }, { l: [1, 2] })).toEqual([{ op: 'replace', path: '/l', value: [1, 2] }])
    expect(jsonDiff(null, { a: 1 })).toEqual([{ op: 'replace', path: '', value: { a: 1 } }])
    expect(jsonDiff({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([])
  })
})
