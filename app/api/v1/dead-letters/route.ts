import { restHandler } from '@/server/rest'
import { listRecords } from '@/server/services/dead-letters/queries'
import { filterFromQuery, pageQuery } from './query'

export const dynamic = 'force-dynamic'

/**
 * GET /api/v1/dead-letters[?plant=1000&flow=…&category=…&errorCode=M7/053&status=new,triaged&olderThan=4h&assignee=…&fingerprint=…&q=…&limit=&cursor=]:
 * dead letters in the token's plants, newest first; each item with its `id`, decoded DLQ fields
 * (original topic, partition, offset, consumer group, exception) and `status`.
 */
export const GET = restHandler('v1.deadLetters.list', 'viewer', async ({ runtime, principal, url }) => {
  const page = pageQuery.parse({ limit: url.searchParams.get('limit') ?? undefined, cursor: url.searchParams.get('cursor') ?? undefined })
  return listRecords(runtime.db.prisma, principal, filterFromQuery(url.searchParams, ['limit', 'cursor']), page)
})
