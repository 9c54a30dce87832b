import { z } from 'zod'
import { REPLAY_ITEM_STATUSES } from '@/server/domain/replays'
import { restHandler } from '@/server/rest/handler'
import { csvOf, cursorParam, limitParam } from '@/server/rest/params'
import { getReplayJob } from '@/server/services/replays/list-jobs'

export const dynamic = 'force-dynamic'

const query = z.object({
  itemStatus: csvOf(REPLAY_ITEM_STATUSES).optional(),
  limit: limitParam(500).default(100),
  cursor: cursorParam().optional(),
})

/** GET /api/v1/replays/{id}[?itemStatus=failed&limit=&cursor=]: progress and per-record outcomes. */
export const GET = restHandler({ role: 'viewer', query }, async (ctx, { query: q, params }) =>
  getReplayJob(ctx, { id: params.id ?? '', status: q.itemStatus, limit: q.limit, cursor: q.cursor }),
)
