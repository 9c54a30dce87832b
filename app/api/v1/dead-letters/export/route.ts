import { restHandler } from '@/server/rest/handler'
import { fromQueryString } from '@/server/rest/params'
import { exportDeadLettersCsv, MAX_EXPORT_ROWS } from '@/server/services/dead-letters/export'
import { DEAD_LETTER_LIST_KEYS, listFilterSchema } from '@/server/services/dead-letters/queries'

export const dynamic = 'force-dynamic'

const query = fromQueryString(listFilterSchema, DEAD_LETTER_LIST_KEYS)

/** GET /api/v1/dead-letters/export[?filter as for the list]: CSV, streamed, at most MAX_EXPORT_ROWS rows. */
export const GET = restHandler({ role: 'viewer', query }, async (ctx, { query: filter }) => {
  const stream = await exportDeadLettersCsv(ctx, filter)
  const day = new Date().toISOString().slice(0, 10)
  return new Response(stream, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="dead-letters-${day}.csv"`,
      'x-max-rows': String(MAX_EXPORT_ROWS),
      'cache-control': 'no-store',
    },
  })
})
