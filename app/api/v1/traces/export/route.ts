import { restHandler } from '@/server/rest/handler'
import { restSearchInput, traceRestQuery } from '../query'
import { EXPORT_ROW_LIMIT, exportTracesCsv } from '@/server/services/traces/export'

export const dynamic = 'force-dynamic'

/**
 * GET /api/v1/traces/export?<the filters of GET /api/v1/traces>: the search result as CSV,
 * streamed, at most EXPORT_ROW_LIMIT rows (header `X-Row-Limit`).
 */
export const GET = restHandler({ role: 'viewer', query: traceRestQuery, plantFacet: true }, async (ctx, { query }) => {
  const input = restSearchInput(query)
  const body = await exportTracesCsv(ctx, { ...input, cursor: null })
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="traces-${input.from.toISOString().slice(0, 10)}.csv"`,
      'x-row-limit': String(EXPORT_ROW_LIMIT),
    },
  })
})
