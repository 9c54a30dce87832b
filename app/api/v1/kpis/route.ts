import { z } from 'zod'
import { DomainError } from '@/server/domain/errors'
import { plantCodeSchema } from '@/server/domain/plants'
import { resolveRange, RANGE_PRESETS } from '@/server/domain/time-range'
import { restHandler } from '@/server/rest/handler'
import { computeKpis } from '@/server/services/kpis/compute'

export const dynamic = 'force-dynamic'

const time = z.string().max(40).refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 time such as 2026-11-30T08:00:00Z')
const query = z.object({
  plant: plantCodeSchema.optional(),
  from: time.optional(),
  to: time.optional(),
  range: z.enum(Object.keys(RANGE_PRESETS) as [string, ...string[]]).optional(),
  previous: z.enum(['true', 'false']).optional(),
})

/**
 * GET /api/v1/kpis?plant=CODE&from=ISO&to=ISO (or &range=24h; default the last 24 h)[&previous=true]:
 * every sync-health KPI of KPIS.md per plant with its target, status and the plant's health and
 * reasons. Without `plant`: every plant of the token.
 */
export const GET = restHandler({ role: 'viewer', query, plantFacet: true }, async (ctx, { query: q }) => {
  if ((q.from === undefined) !== (q.to === undefined)) throw new DomainError('BAD_REQUEST', 'Send both `from` and `to` (ISO 8601), or `range` (e.g. 24h).')
  if (q.from && q.to && Date.parse(q.to) <= Date.parse(q.from)) throw new DomainError('BAD_REQUEST', '`to` must be after `from`.')
  const { from, to } = resolveRange({ from: q.from, to: q.to, range: q.range })
  const reports = await computeKpis(ctx, { plants: ctx.scope, from, to, previous: q.previous === 'true' })
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    plants: reports.map((r) => ({ plant: r.plant, health: r.health.health, reasons: r.health.reasons, kpis: r.kpis })),
  }
})
