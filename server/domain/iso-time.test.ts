import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isoMs } from './iso-time'

function same(text: string): void {
  expect(Object.is(isoMs(text), Date.parse(text)), text).toBe(true)
}

describe('isoMs', () => {
  it('reads every toISOString text of years 0000–9999 as Date.parse does', () => {
    fc.assert(
      fc.property(fc.integer({ min: new Date('0000-01-01T00:00:00.000Z').getTime(), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ms) => {
        const text = new Date(ms).toISOString()
        expect(isoMs(text)).toBe(ms)
        same(text)
      }),
      { numRuns: 20_000 },
    )
  })

  it('reads month ends, leap days and century years as Date.parse does', () => {
    for (const year of ['1900', '2000', '2024', '2026', '2100', '0000', '9999'])
      for (const month of ['01', '02', '03', '04', '12'])
        for (const day of ['01', '28', '29', '30', '31']) same(`${year}-${month}-${day}T23:59:59.999Z`)
  })

  it('agrees with Date.parse on other forms and on malformed text, valid or not', () => {
    for (const text of [
      '2026-12-07T10:00:00Z',
      '2026-12-07T10:00:00.1234Z',
      '2026-12-07T10:00:00.000+02:00',
      '2026-12-07 10:00:00.000Z',
      '2026-13-07T10:00:00.000Z',
      '2026-00-07T10:00:00.000Z',
      '2026-12-00T10:00:00.000Z',
      '2026-12-07T24:00:00.000Z',
      '2026-12-07T10:60:00.000Z',
      '2026-12-07T10:00:60.000Z',
      '2026-1a-07T10:00:00.000Z',
      '+02026-12-07T10:00:00.00Z',
      '2026-12-07T10:00:00.000z',
      '                       Z',
      '',
    ])
      same(text)
    fc.assert(fc.property(fc.string({ minLength: 24, maxLength: 24 }), (s) => same(`${s.slice(0, 23)}Z`)))
    fc.assert(fc.property(fc.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/), same))
  })
})
