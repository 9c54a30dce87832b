import { describe, expect, it } from 'vitest'
import { formatPlantTime, formatUserTime, formatUtc, toDateTimeLocal, userTimeZone } from './format'

describe('formatPlantTime', () => {
  it('shows the plant-local wall time with its zone', () => {
    const at = new Date('2026-11-30T10:05:00Z')
    expect(formatPlantTime(at, 'Europe/Berlin')).toBe('30 Nov 2026, 11:05 CET')
    expect(formatPlantTime(at, 'UTC')).toBe('30 Nov 2026, 10:05 UTC')
  })

  it('adds seconds on request, in the plant zone across a date line', () => {
    const at = new Date('2026-11-30T23:59:07Z')
    expect(formatPlantTime(at, 'Asia/Tokyo', { seconds: true })).toBe('1 Dec 2026, 08:59:07 GMT+9')
    expect(formatPlantTime(at, 'America/Chicago', { seconds: true })).toBe('30 Nov 2026, 17:59:07 GMT-6')
  })
})

describe('toDateTimeLocal', () => {
  it('writes the browser-local wall time as a datetime-local value, to the minute', () => {
    const at = new Date(2026, 0, 5, 7, 3, 59)
    expect(toDateTimeLocal(at)).toBe('2026-01-05T07:03')
  })
})

describe('formatUserTime', () => {
  it('shows a person’s action in the given zone, day first with seconds and the zone named', () => {
    const at = new Date('2026-12-05T03:04:09Z')
    expect(formatUserTime(at, 'Europe/Berlin')).toBe('5 Dec 2026, 04:04:09 CET')
    expect(formatUserTime(at.toISOString(), 'America/New_York')).toBe('4 Dec 2026, 22:04:09 GMT-5')
  })

  it('defaults to the browser’s zone, never to a bare US-style date', () => {
    const at = new Date('2026-12-05T03:04:09Z')
    expect(formatUserTime(at)).toBe(formatUserTime(at, userTimeZone()))
    expect(formatUserTime(at)).not.toMatch(/^\d{1,2}\/\d{1,2}\/\d{4}/)
  })
})

describe('formatUtc', () => {
  it('writes the instant in UTC, to the second', () => {
    expect(formatUtc('2026-12-05T03:04:09.123Z')).toBe('2026-12-05 03:04:09 UTC')
  })
})
