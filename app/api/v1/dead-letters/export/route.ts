import { restHandler } from '@/server/rest'
import { exportDeadLettersCsv, MAX_EXPORT_ROWS } from '@/server/services/dead-letters/export'
import { filterFromQuery } from '../query'

export const dynamic = 'force-dynamic'

/** GET /api/v1/dead-letters/export[?filter as for the list]: CSV, streamed, at most MAX_EXPORT_ROWS rows. */
export const GET = restHandler('v1.deadLetters.export', 'viewer', async ({ runtime, principal, url }) => {
  const stream = exportDeadLettersCsv(runtime.db.prisma, principal, filterFromQuery(url.searchParams))
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
