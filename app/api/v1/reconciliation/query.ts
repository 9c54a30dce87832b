import { z } from 'zod'
import { plantCodeSchema } from '@/server/domain/plants'
import { RECON_KINDS } from '@/server/domain/reconciliation'
import { resolveRange } from '@/server/domain/time-range'
import { POSTING_FLOWS } from '@/server/domain/txn-state'
import { csvOf, cursorParam, limitParam } from '@/server/rest/params'
import { RECON_PAGE_MAX, type ReconInput } from '@/server/services/reconciliation/reconciliation'

/** Query parameters of GET /api/v1/reconciliation and its CSV export (same filters, same meaning). */

const time = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 time, e.g. 2026-11-30T12:00:00Z' })

export const reconRestQuery = z.object({
  plant: plantCodeSchema,
  from: time.optional(),
  to: time.optional(),
  range: z.string().max(8).optional(),
  flow: csvOf(POSTING_FLOWS).optional(),
  kind: csvOf(RECON_KINDS).optional(),
  cursor: cursorParam(512).optional(),
  limit: limitParam(RECON_PAGE_MAX).optional(),
})

/** The parsed query as a service input: from and to together and in order (else 400 naming them). */
export function reconRestInput(q: z.infer<typeof reconRestQuery>): ReconInput {
  if ((q.from && !q.to) || (!q.from && q.to)) throw new z.ZodError([{ code: 'custom', path: ['from'], message: 'give both from and to, or neither (default: the last 24 h)', input: q.from }])
  if (q.from && q.to && Date.parse(q.to) <= Date.parse(q.from)) throw new z.ZodError([{ code: 'custom', path: ['to'], message: 'to must be after from', input: q.to }])
  const { from, to } = q.from && q.to ? { from: new Date(q.from), to: new Date(q.to) } : resolveRange({ range: q.range })
  return { plant: q.plant, from, to, flows: q.flow, kinds: q.kind, cursor: q.cursor, limit: q.limit }
}
