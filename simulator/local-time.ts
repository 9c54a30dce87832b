/**
 * Plant-local calendar arithmetic for the simulator: posting periods here; local time and shifts
 * live in server/domain/shifts.ts (alert rules judge shift hours with the same functions).
 */

export { localTime, shiftAt, type LocalTime, type ShiftNow } from '../server/domain/shifts'

/** SAP fiscal period of a date, as `YYYY/MM` (calendar-month periods). */
export function periodOf(date: string): string {
  return `${date.slice(0, 4)}/${date.slice(5, 7)}`
}

/** The period `n` months before `period`. */
export function periodMinus(period: string, n: number): string {
  const y = Number(period.slice(0, 4))
  const m = Number(period.slice(5, 7))
  const index = y * 12 + (m - 1) - n
  return `${Math.floor(index / 12)}/${String((index % 12) + 1).padStart(2, '0')}`
}

/** The last calendar day of a period, YYYY-MM-DD. */
export function lastDayOf(period: string): string {
  const y = Number(period.slice(0, 4))
  const m = Number(period.slice(5, 7))
  const day = new Date(Date.UTC(y, m, 0)).getUTCDate()
  return `${period.slice(0, 4)}-${period.slice(5, 7)}-${String(day).padStart(2, '0')}`
}
