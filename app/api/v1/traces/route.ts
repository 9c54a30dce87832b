import { restHandler } from '@/server/rest/handler'
import { restSearchInput, traceRestQuery } from './query'
import { searchTraces } from '@/server/services/traces/search'

export const dynamic = 'force-dynamic'

/**
 * GET /api/v1/traces?key=<type>:<value>&plant=&status=&flow=&line=&from=&to=&cursor=&limit=
 * Transactions of the token's plants, newest source event first. `key` is a correlation id or a
 * business key (work_order, lot, material, shipment, erp_document, trace_id), `type:` optional
 * (detected from the value's shape); without it, the latest transactions in the range (default the
 * last 24 h). Each item: correlation_id, origin_time, status, plant, line, flow, business keys,
 * `sla_ms`, `e2e_latency_ms` once posted (null while open), `age_ms` = now − origin_time while open
 * (null once posted: the age "stuck" is judged by), attempts. `next_cursor` fetches the next page.
 */
export const GET = restHandler({ role: 'viewer', query: traceRestQuery, plantFacet: true }, async (ctx, { query }) => {
  const input = restSearchInput(query)
  const result = await searchTraces(ctx, input)
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
