import { restHandler } from '@/server/rest'
import { restSearch } from '@/server/services/traces/rest-query'
import { EXPORT_ROW_LIMIT, exportTracesCsv } from '@/server/services/traces/export'

export const dynamic = 'force-dynamic'

/**
 * GET /api/v1/traces/export?<the filters of GET /api/v1/traces>: the search result as CSV,
 * streamed, at most EXPORT_ROW_LIMIT rows (header `X-Row-Limit`).
 */
export const GET = restHandler('v1.traces.export', 'viewer', async ({ runtime, principal, url }) => {
  const { scope, input } = await restSearch(runtime.db.prisma, principal, url)
  const body = exportTracesCsv({ clickhouse: runtime.clickhouse, prisma: runtime.db.prisma }, scope, { ...input, cursor: null }, {
    route: 'rest:v1.traces.export',
    user: principal.label,
  })
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="traces-${input.from.toISOString().slice(0, 10)}.csv"`,
      'x-row-limit': String(EXPORT_ROW_LIMIT),
    },
  })
})
