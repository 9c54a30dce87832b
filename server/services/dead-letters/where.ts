import type { Prisma } from '../../db/client'
import { DEAD_LETTER_AGES, type DeadLetterFilter } from '../../domain/dead-letters'
import { BUSINESS_KEY_TYPES } from '../../domain/trace-search'

/**
 * The dead-letter filter as a Prisma where clause: the one translation used by the triage lists,
 * the REST API, CSV export and replay selection by filter, so "replay everything matching" replays
 * exactly what the list showed.
 *
 * `plants` is the caller's resolved scope: a list of plant codes, or 'all' for an admin without a
 * plant filter (which also includes dead letters whose plant could not be decoded).
 */
export function deadLetterWhere(filter: DeadLetterFilter, plants: readonly string[] | 'all', now = new Date()): Prisma.DeadLetterWhereInput {
  const and: Prisma.DeadLetterWhereInput[] = []
  if (plants !== 'all') and.push({ plantCode: { in: [...plants] } })
  if (filter.flow?.length) and.push({ flow: { in: filter.flow } })
  if (filter.category?.length) {
    const known = filter.category.filter((c) => c !== 'unknown')
    and.push({ OR: [...(known.length ? [{ errorCategory: { in: known } }] : []), ...(filter.category.includes('unknown') ? [{ errorCategory: null }] : [])] })
  }
  if (filter.errorCode?.length) and.push({ errorCode: { in: filter.errorCode } })
  if (filter.status?.length) and.push({ status: { in: filter.status } })
  if (filter.olderThan) and.push({ recordTimestamp: { lt: new Date(now.getTime() - DEAD_LETTER_AGES[filter.olderThan]) } })
  if (filter.assignee) and.push({ assigneeId: filter.assignee === 'unassigned' ? null : filter.assignee })
  if (filter.fingerprint) and.push({ fingerprint: filter.fingerprint })
  if (filter.topic) and.push({ topic: filter.topic })
  if (filter.material) and.push({ businessKeys: { path: ['material'], equals: filter.material } })
  if (filter.consumerGroup) and.push({ consumerGroup: filter.consumerGroup })
  if (filter.from) and.push({ recordTimestamp: { gte: filter.from } })
  if (filter.to) and.push({ recordTimestamp: { lt: filter.to } })
  if (filter.q) {
    const q = filter.q
    and.push({
      OR: [
        { errorMessage: { contains: q, mode: 'insensitive' } },
        { errorCode: { equals: q } },
        { correlationId: { equals: q } },
        { errorClass: { contains: q, mode: 'insensitive' } },
        // business_keys is a flat {work_order, lot, material, …} object; trace_id is a hop's, not a dead letter's.
        ...BUSINESS_KEY_TYPES.filter((k) => k !== 'trace_id').map((k) => ({ businessKeys: { path: [k], equals: q } })),
      ],
    })
  }
  return and.length ? { AND: and } : {}
}
