import { describe, expect, it } from 'vitest'
import { findUnsafeText, MAX_TEXT_LENGTH, safeText, unsafeTextReason } from './text'

describe('text a store can hold', () => {
  it('refuses NUL and lone surrogates, accepts real text including astral characters', () => {
    expect(unsafeTextReason('a\u0000b')).toMatch(/NUL/)
    expect(unsafeTextReason('\uD800')).toMatch(/lone surrogate/)
    expect(unsafeTextReason('x\uDC00')).toMatch(/lone surrogate/)
    expect(unsafeTextReason('\uDC00\uD800')).toMatch(/lone surrogate/)
    for (const fine of ['', 'Werk 1000 – Ä/ß', '🏭 line L01', '\uD83C\uDFED', 'tab\tnew\nline']) expect(unsafeTextReason(fine), fine).toBeNull()
  })

  it('names where in a nested input the bad text sits, keys included', () => {
    expect(findUnsafeText({ filter: { codes: ['ok', 'b\u0000d'] } })).toEqual({ param: 'filter.codes.1', message: expect.stringMatching(/NUL/) })
    expect(findUnsafeText({ ['k\u0000']: 1 })?.param).toBe('k\u0000')
    expect(findUnsafeText('\uD800')?.param).toBe('(input)')
    expect(findUnsafeText({ a: 1, b: [true, null, 'fine'], c: new Date() })).toBeNull()
    expect(findUnsafeText({ big: 'x'.repeat(MAX_TEXT_LENGTH + 1) })?.message).toMatch(/at most/)
  })

  it('as a schema: length and storability in one', () => {
    const schema = safeText(5)
    expect(schema.safeParse('abc').success).toBe(true)
    expect(schema.safeParse('abcdef').error?.issues[0]?.message).toMatch(/at most 5/)
    expect(schema.safeParse('a\u0000').error?.issues[0]?.message).toMatch(/NUL/)
  })
})
