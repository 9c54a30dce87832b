import { restHandler } from '@/server/rest'
import { getTrace } from '@/server/services/traces/trace'

export const dynamic = 'force-dynamic'

/**
 * GET /api/v1/traces/{correlationId}[?t=<origin_time>]: the transaction's hops in occurred_at
 * order, re-sent duplicates collapsed, with its state and business keys. `t` (from a search result)
 * lets the read prune to one partition; without it the last 90 days are searched. 403 when the
 * transaction belongs to a plant outside the token's plants.
 */
export const GET = restHandler('v1.traces.get', 'viewer', async ({ runtime, principal, url, params }) => {
  const correlationId = params.correlationId ?? ''
  const t = url.searchParams.get('t')
  return getTrace({ clickhouse: runtime.clickhouse, prisma: runtime.db.prisma }, principal, { correlationId, t }, {
    route: 'rest:v1.traces.get',
    user: principal.label,
  })
})
