import { z } from 'zod'
import { safeText } from '@/server/domain/text'
import { plantCodeSchema } from '@/server/domain/plants'
import { resolveRange } from '@/server/domain/time-range'
import { MAX_SEARCH_LENGTH } from '@/server/domain/trace-search'
import { TXN_STATES } from '@/server/domain/txn-state'
import { csv, csvOf, limitParam } from '@/server/rest/params'
import type { TraceSearchInput } from '@/server/services/traces/search'

/** Query parameters of GET /api/v1/traces and its CSV export (same filters, same meaning). */

const time = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 time, e.g. 2026-11-30T12:00:00Z' })

export const traceRestQuery = z.object({
  key: safeText(MAX_SEARCH_LENGTH).trim().optional(),
  plant: plantCodeSchema.optional(),
  status: csvOf(TXN_STATES).optional(),
  flow: csv.optional(),
  line: z.string().max(64).optional(),
  from: time.optional(),
  to: time.optional(),
  range: z.string().max(8).optional(),
  cursor: z.string().max(1024).optional(),
  limit: limitParam(500).optional(),
})

/** The parsed query as a search (the plant facet is the context's scope): from and to together, in order. */
export function restSearchInput(q: z.infer<typeof traceRestQuery>): TraceSearchInput {
  if ((q.from && !q.to) || (!q.from && q.to)) throw new z.ZodError([{ code: 'custom', path: ['from'], message: 'give both from and to, or neither (default: the last 24 h)', input: q.from }])
  const { from, to } = resolveRange({ range: q.range, from: q.from, to: q.to })
  if (q.from && q.to && (from.toISOString() !== new Date(q.from).toISOString() || to.toISOString() !== new Date(q.to).toISOString()))
    throw new z.ZodError([{ code: 'custom', path: ['to'], message: 'to must be after from, at most 400 days apart', input: q.to }])
  return { q: q.key, states: q.status, flows: q.flow, lines: q.line ? [q.line] : undefined, from, to, cursor: q.cursor, limit: q.limit }
}
