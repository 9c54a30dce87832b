import { parseAsInteger, parseAsString } from 'nuqs'
import { REPLAYABLE_DEAD_LETTER_STATUSES } from '@/server/domain/dead-letters'
import type { ReplayRequest } from '@/server/domain/replays'
import { resolveRange } from '@/server/domain/time-range'

/** The selection as the exceptions page puts it in the URL (newReplayHref in server/domain/links.ts), plus the job's rate. */
export const replayParams = {
  ids: parseAsString,
  plant: parseAsString,
  range: parseAsString,
  from: parseAsString,
  to: parseAsString,
  flow: parseAsString,
  category: parseAsString,
  errorCode: parseAsString,
  status: parseAsString,
  olderThan: parseAsString,
  assignee: parseAsString,
  fingerprint: parseAsString,
  topic: parseAsString,
  q: parseAsString,
  plants: parseAsString,
  material: parseAsString,
  consumerGroup: parseAsString,
  rate: parseAsInteger,
  target: parseAsString,
}

export const list = (v: string | null) => (v ? v.split(',').filter(Boolean) : undefined)

/** The request the URL describes; without a status facet only replayable states are selected. */
export function selectionOf(p: Record<keyof typeof replayParams, string | number | null>): ReplayRequest {
  const ids = list(p.ids as string | null)
  if (ids) return { deadLetterIds: ids }
  const range = p.range || (p.from && p.to) ? resolveRange({ range: p.range as string | null, from: p.from as string | null, to: p.to as string | null }) : undefined
  const filter = {
    plant: (p.plant as string | null) ?? undefined,
    flow: list(p.flow as string | null),
    category: list(p.category as string | null),
    errorCode: list(p.errorCode as string | null),
    status: list(p.status as string | null) ?? [...REPLAYABLE_DEAD_LETTER_STATUSES],
    olderThan: (p.olderThan as string | null) ?? undefined,
    assignee: (p.assignee as string | null) ?? undefined,
    fingerprint: (p.fingerprint as string | null) ?? undefined,
    topic: (p.topic as string | null) ?? undefined,
    q: (p.q as string | null) ?? undefined,
    plants: list(p.plants as string | null),
    material: (p.material as string | null) ?? undefined,
    consumerGroup: (p.consumerGroup as string | null) ?? undefined,
    from: range?.from.toISOString(),
    to: range?.to.toISOString(),
  }
  return { filter: Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as NonNullable<ReplayRequest['filter']> }
}
