import { restHandler } from '@/server/rest'
import { restSearch } from '@/server/services/traces/rest-query'
import { searchTraces } from '@/server/services/traces/search'

export const dynamic = 'force-dynamic'

/**
 * GET /api/v1/traces?key=<type>:<value>&plant=&status=&flow=&line=&from=&to=&cursor=&limit=
 * Transactions of the token's plants, newest source event first. `key` is a correlation id or a
 * business key (work_order, lot, material, shipment, erp_document, trace_id), `type:` optional
 * (detected from the value's shape); without it, the latest transactions in the range (default the
 * last 24 h). Each item: correlation_id, origin_time, status, plant, line, flow, business keys, e2e
 * latency against its SLA, attempts. `next_cursor` fetches the next page.
 */
export const GET = restHandler('v1.traces', 'viewer', async ({ runtime, principal, url }) => {
  const { scope, input } = await restSearch(runtime.db.prisma, principal, url)
  const result = await searchTraces({ clickhouse: runtime.clickhouse, prisma: runtime.db.prisma }, scope, input, {
    route: 'rest:v1.traces',
    user: principal.label,
  })
  return {
    key: result.key,
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    // `status`, as the filter of the same name spells it (the console's tRPC rows call it `state`).
    items: result.items.map(({ state, ...item }) => ({ ...item, status: state })),
    next_cursor: result.nextCursor,
    key_matches_capped: result.keyMatchesCapped,
  }
})
