import { restHandler } from '@/server/rest/handler'
import { cursorParam, fromQueryString, limitParam } from '@/server/rest/params'
import { DEAD_LETTER_LIST_KEYS, listFilterSchema, listRecords } from '@/server/services/dead-letters/queries'

export const dynamic = 'force-dynamic'

const query = fromQueryString(listFilterSchema.extend({ limit: limitParam(500).default(100), cursor: cursorParam().optional() }), DEAD_LETTER_LIST_KEYS)

/**
 * GET /api/v1/dead-letters[?plant=1000&flow=…&category=…&errorCode=M7/053&status=new,triaged&olderThan=4h&assignee=…&fingerprint=…&material=…&consumerGroup=…&from=&to=&q=…&limit=&cursor=]:
 * dead letters in the token's plants, newest first; each item with its `id`, decoded DLQ fields
 * (original topic, partition, offset, consumer group, exception), `status` and `guidance` (what
 * the error means, who fixes it, how, whether a replay before the fix can succeed).
 */
export const GET = restHandler({ role: 'viewer', query }, async (ctx, { query: { limit, cursor, ...filter } }) =>
  listRecords(ctx, { filter, limit, cursor }),
)
