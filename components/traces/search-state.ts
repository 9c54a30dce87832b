'use client'

import { parseAsArrayOf, parseAsString, parseAsStringLiteral, useQueryStates } from 'nuqs'
import { TXN_STATES } from '@/server/domain/txn-state'

/** The trace search's own URL state (the header adds range/from/to/plant): every search is a link. */
export const traceSearchParams = {
  q: parseAsString,
  flow: parseAsArrayOf(parseAsString),
  status: parseAsArrayOf(parseAsStringLiteral(TXN_STATES)),
  line: parseAsString,
  cursor: parseAsString,
  /** 1-based position of the page's first row, so the count reads "51–100". */
  first: parseAsString,
}

export function useTraceSearchState() {
  return useQueryStates(traceSearchParams, { history: 'push' })
}
