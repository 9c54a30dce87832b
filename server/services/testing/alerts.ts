import { randomUUID } from 'node:crypto'
import type { PrismaClient } from '../../db/client'
import type { Shift } from '../../domain/plants'

/** Crafted data for alert tests (not for production code): hop-event rows and plants. */

export const MIN = 60_000

/**
 * A fixed Monday 12:00 UTC within the last week: recent enough for every rollup's TTL (the minute
 * rollup keeps 14 days), fixed in the week so local shift hours are known (13:00 in Berlin).
 */
export function lastMondayNoon(now = new Date()): Date {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 12))
  while (d.getUTCDay() !== 1 || d.getTime() > now.getTime()) d.setUTCDate(d.getUTCDate() - 1)
  return d
}

export const ROUND_THE_CLOCK: Shift[] = [
  { name: 'Early', start: '06:00', end: '14:00', days: [1, 2, 3, 4, 5, 6, 7] },
  { name: 'Late', start: '14:00', end: '22:00', days: [1, 2, 3, 4, 5, 6, 7] },
  { name: 'Night', start: '22:00', end: '06:00', days: [1, 2, 3, 4, 5, 6, 7] },
]
export const EARLY_ONLY: Shift[] = [{ name: 'Early', start: '06:00', end: '14:00', days: [1, 2, 3, 4, 5] }]

export async function insertPlant(prisma: PrismaClient, code: string, timeZone = 'Europe/Berlin', shiftCalendar: Shift[] = ROUND_THE_CLOCK) {
  return prisma.plant.create({ data: { code, name: `Plant ${code}`, timeZone, shiftCalendar } })
}

export interface HopSpec {
  type: string
  hop: string
  status?: string
  /** Minutes after the transaction's origin. */
  at: number
  attempt?: number
  category?: string
}

/** One transaction's hop events as hop_events rows (the columns tests need). */
export function makeTxnRows(t: { plant: string; flow: string; origin: Date; line?: string; cid?: string; hops: HopSpec[] }) {
  const cid = t.cid ?? `T-${randomUUID()}`
  return t.hops.map((h, i) => ({
    event_id: `${cid}-${i}`,
    event_type: h.type,
    occurred_at: new Date(t.origin.getTime() + h.at * MIN).toISOString(),
    origin_time: t.origin.toISOString(),
    correlation_id: cid,
    flow: t.flow,
    hop: h.hop,
    status: h.status ?? 'ok',
    plant: t.plant,
    line: t.line ?? 'L01',
    attempt: h.attempt ?? 0,
    error_category: h.category ?? '',
  }))
}

export const COUNTED: HopSpec = { type: 'shopfloor.production_counted', hop: 'machine', at: 0 }
export const requested = (at: number, attempt = 1): HopSpec => ({ type: 'erp.posting_requested', hop: 'erp', at, attempt })
export const succeeded = (at: number, attempt = 1): HopSpec => ({ type: 'erp.posting_succeeded', hop: 'erp', at, attempt })
export const failed = (at: number, category = 'permanent', attempt = 1): HopSpec => ({ type: 'erp.posting_failed', hop: 'erp', status: 'error', at, attempt, category })

/** A dead letter as the DLQ indexer stores it (only the fields alerts read matter). */
export async function insertOpenDeadLetter(prisma: PrismaClient, plant: string, recordTimestamp: Date, flow = 'goods_movement') {
  return prisma.deadLetter.create({
    data: {
      topic: `lt.hub.${plant}.dlq`,
      partition: 0,
      offset: BigInt(Math.floor(Math.random() * 1e12)),
      recordTimestamp,
      headers: [],
      convention: 'linetrace',
      plantCode: plant,
      flow,
      fingerprint: `fp-${plant}`,
    },
  })
}
