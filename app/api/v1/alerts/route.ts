import { z } from 'zod'
import { ALERT_SEVERITIES, ALERT_STATES } from '@/server/domain/alerts'
import { plantCodeSchema } from '@/server/domain/plants'
import { restHandler } from '@/server/rest'
import { listAlerts } from '@/server/services/alerts/inbox'
import { requestPlants } from '@/server/services/alerts/scope'

export const dynamic = 'force-dynamic'

const list = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values, { error: `must be a comma-separated list of ${values.join(', ')}` })))

const query = z.object({
  plant: plantCodeSchema.optional(),
  state: list(ALERT_STATES).optional(),
  severity: list(ALERT_SEVERITIES).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
})

/**
 * GET /api/v1/alerts[?state=firing,acknowledged,resolved][&plant=CODE][&severity=critical][&limit=100]:
 * alerts of the token's plants, open ones first; `counts` per state.
 */
export const GET = restHandler('v1.alerts', 'viewer', async ({ runtime, principal, url }) => {
  const q = query.parse(Object.fromEntries(url.searchParams))
  const prisma = runtime.db.prisma
  const plants = await requestPlants(prisma, principal, q.plant)
  const { items, counts } = await listAlerts(prisma, plants, { state: q.state, severity: q.severity, limit: q.limit })
  return { alerts: items, counts }
})
