import type { Shift } from './plants'

/**
 * Plant-local calendar arithmetic: shifts are plant-local (Hamburg's late shift ends at 22:00
 * Berlin time, Pune's at 22:00 IST). Shared by the simulator (shift peaks) and alert rules
 * (non-event rules only speak during shift hours). Pure, so client components may use it.
 */

export interface LocalTime {
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  isoWeekday: number
  /** Minutes since local midnight. */
  minutes: number
  /** Local calendar date, YYYY-MM-DD (the SAP posting date). */
  date: string
  year: number
  month: number
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 }
const formatters = new Map<string, Intl.DateTimeFormat>()
/** Minute-granular cache: arrivals and state changes ask for the same plant minute many times. */
const cache = new Map<string, LocalTime>()

/** The plant-local calendar minute of instant `t` (ms since the epoch). */
export function localTime(t: number, timeZone: string): LocalTime {
  const minute = Math.floor(t / 60_000)
  const key = `${timeZone}|${minute}`
  const hit = cache.get(key)
  if (hit) return hit
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    formatters.set(timeZone, f)
  }
  const parts: Record<string, string> = {}
  for (const p of f.formatToParts(new Date(minute * 60_000))) parts[p.type] = p.value
  const year = Number(parts.year)
  const month = Number(parts.month)
  const local: LocalTime = {
    isoWeekday: WEEKDAYS[parts.weekday ?? 'Mon'] ?? 1,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    date: `${parts.year}-${parts.month}-${parts.day}`,
    year,
    month,
  }
  if (cache.size > 20_000) cache.clear()
  cache.set(key, local)
  return local
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

export interface ShiftNow {
  name: string
  /** Minutes until the shift ends (the end-of-shift peak is the last 30). */
  minutesToEnd: number
}

/** The shift running at this local time, if any. A shift whose end is before its start runs past midnight. */
export function shiftAt(shifts: readonly Shift[], local: LocalTime): ShiftNow | undefined {
  const m = local.minutes
  const yesterday = local.isoWeekday === 1 ? 7 : local.isoWeekday - 1
  for (const s of shifts) {
    const start = toMinutes(s.start)
    const end = toMinutes(s.end)
    if (start < end) {
      if (s.days.includes(local.isoWeekday) && m >= start && m < end) return { name: s.name, minutesToEnd: end - m }
    } else {
      if (s.days.includes(local.isoWeekday) && m >= start) return { name: s.name, minutesToEnd: 1440 - m + end }
      if (s.days.includes(yesterday) && m < end) return { name: s.name, minutesToEnd: end - m }
    }
  }
  return undefined
}

/** Whether a shift of the calendar runs at instant `at` in the plant's time zone. */
export function isWithinShift(calendar: readonly Shift[], timeZone: string, at: Date): boolean {
  return shiftAt(calendar, localTime(at.getTime(), timeZone)) !== undefined
}

/**
 * Whether every minute of [from, to] lies inside shift hours. Back-to-back shifts (Early 06–14,
 * Late 14–22) count as one stretch: a window straddling a shift change is inside, since production
 * runs on; a window reaching into a gap (a weekend, the hour before the first shift) is not.
 */
export function isWindowWithinShifts(calendar: readonly Shift[], timeZone: string, from: Date, to: Date): boolean {
  // Shift bounds are whole minutes, so one look per minute of the window is exact.
  for (let t = from.getTime(); t < to.getTime(); t += 60_000) if (!isWithinShift(calendar, timeZone, new Date(t))) return false
  return isWithinShift(calendar, timeZone, to)
}
