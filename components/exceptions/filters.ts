'use client'

import { parseAsArrayOf, parseAsString, parseAsStringLiteral, useQueryStates } from 'nuqs'
import { DEAD_LETTER_AGES, DEAD_LETTER_STATUSES, type DeadLetterAge } from '@/server/domain/dead-letters'
import { ERROR_CATEGORIES } from '@/server/domain/hop-event'

/**
 * The exceptions filter in the URL (shareable; the header's `plant` lives in url-state.ts): the
 * same facets as DeadLetterFilter, lists comma-separated, so a link into /replays/new carries them
 * unchanged (components/links.ts newReplayHref).
 */
export const exceptionParams = {
  fingerprint: parseAsString,
  flow: parseAsArrayOf(parseAsString),
  category: parseAsArrayOf(parseAsStringLiteral([...ERROR_CATEGORIES, 'unknown'] as const)),
  errorCode: parseAsArrayOf(parseAsString),
  status: parseAsArrayOf(parseAsStringLiteral(DEAD_LETTER_STATUSES)),
  olderThan: parseAsStringLiteral(Object.keys(DEAD_LETTER_AGES) as DeadLetterAge[]),
  assignee: parseAsString,
  q: parseAsString,
  /** Group facets: plants (within the header's plant scope), a material, a consumer group. */
  plants: parseAsArrayOf(parseAsString),
  material: parseAsString,
  consumerGroup: parseAsString,
}

export function useExceptionFilter() {
  return useQueryStates(exceptionParams, { history: 'push' })
}

export type ExceptionFilterState = ReturnType<typeof useExceptionFilter>[0]

/** The filter as the API takes it (no nulls, no empty lists). */
export function apiFilter(f: ExceptionFilterState) {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(f)) if (v !== null && v !== '' && !(Array.isArray(v) && v.length === 0)) out[k] = v
  return out as {
    fingerprint?: string
    flow?: string[]
    category?: ((typeof ERROR_CATEGORIES)[number] | 'unknown')[]
    errorCode?: string[]
    status?: (typeof DEAD_LETTER_STATUSES)[number][]
    olderThan?: DeadLetterAge
    assignee?: string
    q?: string
    plants?: string[]
    material?: string
    consumerGroup?: string
  }
}
