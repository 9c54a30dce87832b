import { z } from 'zod'

/**
 * The dead-letter filter from a query string: lists as comma-separated values
 * (`status=new,triaged&errorCode=M7/053&plant=1000`), as the console's URLs write them.
 */
const LIST_KEYS = new Set(['flow', 'category', 'errorCode', 'status', 'plants'])

export function filterFromQuery(params: URLSearchParams, skip: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of params) {
    if (skip.includes(key) || value === '') continue
    out[key] = LIST_KEYS.has(key) ? value.split(',').map((v) => v.trim()).filter(Boolean) : value
  }
  return out
}

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(64).optional(),
})
