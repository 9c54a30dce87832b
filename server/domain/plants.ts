import { z } from 'zod'

/** A shift in plant-local time; `end` before `start` means it runs past midnight. */
export const shiftSchema = z.object({
  name: z.string().min(1),
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:mm'),
  end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:mm'),
  /** ISO weekdays, 1 = Monday … 7 = Sunday, on which the shift starts. */
  days: z.array(z.number().int().min(1).max(7)).min(1),
})
export const shiftCalendarSchema = z.array(shiftSchema)
export type Shift = z.infer<typeof shiftSchema>

export const plantCodeSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,16}$/, 'a plant code is 1–16 letters, digits, - or _ (e.g. 2000)')

const THREE_SHIFTS = (days: number[]): Shift[] => [
  { name: 'Early', start: '06:00', end: '14:00', days },
  { name: 'Late', start: '14:00', end: '22:00', days },
  { name: 'Night', start: '22:00', end: '06:00', days },
]
const WEEKDAYS = [1, 2, 3, 4, 5]
const SIX_DAYS = [1, 2, 3, 4, 5, 6]

export interface PlantDefinition {
  code: string
  name: string
  timeZone: string
  erpCompanyCode: string
  shiftCalendar: Shift[]
}

/**
 * The demo plants the embedded mode seeds and the simulator drives: SAP-style plant codes, three
 * continents so plant-local time and shift hours matter.
 */
export const DEMO_PLANTS: readonly PlantDefinition[] = [
  { code: '1000', name: 'Hamburg Assembly', timeZone: 'Europe/Berlin', erpCompanyCode: '1000', shiftCalendar: THREE_SHIFTS(WEEKDAYS) },
  { code: '1100', name: 'Lyon Machining', timeZone: 'Europe/Paris', erpCompanyCode: '1100', shiftCalendar: THREE_SHIFTS(SIX_DAYS) },
  { code: '2000', name: 'Detroit Stamping', timeZone: 'America/Detroit', erpCompanyCode: '2000', shiftCalendar: THREE_SHIFTS(WEEKDAYS) },
  { code: '2100', name: 'Monterrey Components', timeZone: 'America/Monterrey', erpCompanyCode: '2000', shiftCalendar: THREE_SHIFTS(SIX_DAYS) },
  { code: '3000', name: 'Pune Electronics', timeZone: 'Asia/Kolkata', erpCompanyCode: '3000', shiftCalendar: THREE_SHIFTS(SIX_DAYS) },
]

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return true
  } catch {
    return false
  }
}
