import { describe, expect, it } from 'vitest'
import type { Shift } from './plants'
import { isWindowWithinShifts, isWithinShift } from './shifts'

const EARLY_LATE: Shift[] = [
  { name: 'Early', start: '06:00', end: '14:00', days: [1, 2, 3, 4, 5] },
  { name: 'Late', start: '14:00', end: '22:00', days: [1, 2, 3, 4, 5] },
]
const NIGHT: Shift[] = [{ name: 'Night', start: '22:00', end: '06:00', days: [1, 2, 3, 4, 5] }]
const MIN = 60_000
// Monday 2026-11-30; Berlin is UTC+1 in winter, Kolkata UTC+5:30, Detroit UTC−5.
const at = (iso: string) => new Date(iso)

describe('shift hours in the plant’s time zone', () => {
  it('judges one instant by the plant’s local clock', () => {
    // 12:00 UTC = 13:00 Berlin (Early), 17:30 Kolkata (Late), 07:00 Detroit (Early).
    expect(isWithinShift(EARLY_LATE, 'Europe/Berlin', at('2026-11-30T12:00:00Z'))).toBe(true)
    // 21:30 UTC = 22:30 Berlin: after the Late shift; 03:00 Kolkata next day: no night shift there.
    expect(isWithinShift(EARLY_LATE, 'Europe/Berlin', at('2026-11-30T21:30:00Z'))).toBe(false)
    expect(isWithinShift(EARLY_LATE, 'Asia/Kolkata', at('2026-11-30T21:30:00Z'))).toBe(false)
    expect(isWithinShift(EARLY_LATE, 'America/Detroit', at('2026-11-30T12:00:00Z'))).toBe(true)
    // Saturday: no shifts on a five-day calendar.
    expect(isWithinShift(EARLY_LATE, 'Europe/Berlin', at('2026-12-05T12:00:00Z'))).toBe(false)
  })

  it('a night shift belongs to the day it starts on', () => {
    // Friday 23:00 Berlin (Fri night shift) and Saturday 05:00 Berlin (still Friday's night shift).
    expect(isWithinShift(NIGHT, 'Europe/Berlin', at('2026-12-04T22:00:00Z'))).toBe(true)
    expect(isWithinShift(NIGHT, 'Europe/Berlin', at('2026-12-05T04:00:00Z'))).toBe(true)
    // Saturday 23:00 Berlin: Saturday has no night shift.
    expect(isWithinShift(NIGHT, 'Europe/Berlin', at('2026-12-05T22:00:00Z'))).toBe(false)
  })

  it('a window straddling a change between back-to-back shifts is inside; one reaching into a gap is not', () => {
    const berlin = (utc: string, minutes: number) =>
      isWindowWithinShifts(EARLY_LATE, 'Europe/Berlin', new Date(at(utc).getTime() - minutes * MIN), at(utc))
    expect(berlin('2026-11-30T13:10:00Z', 30)).toBe(true) // 13:40–14:10 Berlin: Early → Late
    expect(berlin('2026-11-30T05:20:00Z', 30)).toBe(false) // 05:50–06:20 Berlin: starts before the first shift
    expect(berlin('2026-11-30T05:40:00Z', 30)).toBe(true) // 06:10–06:40 Berlin
    expect(berlin('2026-11-30T21:10:00Z', 30)).toBe(false) // 21:40–22:10 Berlin: runs past the Late shift
  })

  it('a plant without a shift calendar has no shift hours', () => {
    expect(isWindowWithinShifts([], 'UTC', at('2026-11-30T11:00:00Z'), at('2026-11-30T12:00:00Z'))).toBe(false)
  })
})
