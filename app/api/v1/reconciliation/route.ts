import { restHandler } from '@/server/rest/handler'
import { reconciliationSummary, reconciliationTransactions } from '@/server/services/reconciliation/reconciliation'
import { reconRestInput, reconRestQuery } from './query'

export const dynamic = 'force-dynamic'

/**
 * GET /api/v1/reconciliation?plant=CODE[&from=ISO&to=ISO | &range=7d][&flow=…][&kind=never_posted,…][&cursor=…][&limit=…]:
 * what the plant's shop floor sent against what ERP posted. The first page (no cursor) carries the
 * summary per plant-local day and flow; every page lists transactions that differ, newest first,
 * each with its correlation id and trace link data; `next_cursor` pages on.
 */
export const GET = restHandler({ role: 'viewer', query: reconRestQuery, plantFacet: true }, async (ctx, { query }) => {
  const input = reconRestInput(query)
  const [summary, page] = await Promise.all([input.cursor ? null : reconciliationSummary(ctx, input), reconciliationTransactions(ctx, input)])
  return {
    plant: input.plant,
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    ...(summary ? { time_zone: summary.timeZone, totals: summary.totals, days: summary.days } : {}),
    items: page.items,
    next_cursor: page.nextCursor,
  }
})
