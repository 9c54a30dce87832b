import { z } from 'zod'
import { ALERT_SEVERITIES, ALERT_STATES } from '@/server/domain/alerts'
import { plantCodeSchema } from '@/server/domain/plants'
import { restHandler } from '@/server/rest/handler'
import { csvOf, limitParam } from '@/server/rest/params'
import { listAlerts } from '@/server/services/alerts/inbox'

export const dynamic = 'force-dynamic'

const query = z.object({
  plant: plantCodeSchema.optional(),
  state: csvOf(ALERT_STATES).optional(),
  severity: csvOf(ALERT_SEVERITIES).optional(),
  limit: limitParam(500).optional(),
})

/**
 * GET /api/v1/alerts[?state=firing,acknowledged,resolved][&plant=CODE][&severity=critical][&limit=100]:
 * alerts of the token's plants, open ones first; `counts` per state.
 */
export const GET = restHandler({ role: 'viewer', query, plantFacet: true }, async (ctx, { query: q }) => {
  const { items, counts } = await listAlerts(ctx, { state: q.state, severity: q.severity, limit: q.limit })
  return { alerts: items, counts }
})
