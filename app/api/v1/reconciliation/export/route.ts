import { restHandler } from '@/server/rest/handler'
import { exportReconciliationCsv, RECON_EXPORT_ROW_LIMIT } from '@/server/services/reconciliation/export'
import { reconRestInput, reconRestQuery } from '../query'

export const dynamic = 'force-dynamic'

/**
 * GET /api/v1/reconciliation/export?<the filters of GET /api/v1/reconciliation>: the differing
 * transactions as CSV, streamed, at most RECON_EXPORT_ROW_LIMIT rows (header `X-Row-Limit`).
 */
export const GET = restHandler({ role: 'viewer', query: reconRestQuery, plantFacet: true }, async (ctx, { query }) => {
  const input = reconRestInput(query)
  // Validated before the first byte: a bad plant or window is a JSON error, not a truncated file.
  const body = await exportReconciliationCsv(ctx, { ...input, cursor: null })
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="reconciliation-${input.plant}-${input.from.toISOString().slice(0, 10)}.csv"`,
      'x-row-limit': String(RECON_EXPORT_ROW_LIMIT),
    },
  })
})
