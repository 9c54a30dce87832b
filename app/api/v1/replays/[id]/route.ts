import { z } from 'zod'
import { REPLAY_ITEM_STATUSES } from '@/server/domain/replays'
import { restHandler } from '@/server/rest'
import { getReplayJob } from '@/server/services/replays/jobs'

export const dynamic = 'force-dynamic'

const query = z.object({
  itemStatus: z.string().transform((v) => v.split(',')).pipe(z.array(z.enum(REPLAY_ITEM_STATUSES))).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(64).optional(),
})

/** GET /api/v1/replays/{id}[?itemStatus=failed&limit=&cursor=]: progress and per-record outcomes. */
export const GET = restHandler('v1.replays.get', 'viewer', async ({ runtime, principal, url, params }) => {
  const q = query.parse(Object.fromEntries(url.searchParams))
  return getReplayJob(runtime.db.prisma, principal, params.id ?? '', { status: q.itemStatus, limit: q.limit, cursor: q.cursor })
})
