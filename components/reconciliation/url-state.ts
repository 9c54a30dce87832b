'use client'

import { parseAsArrayOf, parseAsString, parseAsStringLiteral, useQueryStates } from 'nuqs'
import { RECON_KINDS } from '@/server/domain/reconciliation'

/** The Reconciliation view's own URL state (the header adds range/from/to): every view is a link. */
export const reconParams = {
  flow: parseAsString,
  kind: parseAsArrayOf(parseAsStringLiteral(RECON_KINDS)),
  cursor: parseAsString,
  /** 1-based position of the page's first row, so the count reads "51–100". */
  first: parseAsString,
}

export function useReconState() {
  return useQueryStates(reconParams, { history: 'push' })
}
