'use client'

import { parseAsString, useQueryStates } from 'nuqs'

/**
 * The header's shared filters live in the URL so every view is a shareable link:
 * `range` (a preset like 24h) or `from`/`to` (ISO times), and `plant`.
 */
export const headerParams = {
  range: parseAsString,
  from: parseAsString,
  to: parseAsString,
  plant: parseAsString,
}

export function useHeaderState() {
  return useQueryStates(headerParams, { history: 'push' })
}
