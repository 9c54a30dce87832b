import { z } from 'zod'
import { replayActionSchema } from '@/server/domain/replays'
import { restHandler } from '@/server/rest/handler'
import { controlReplayJob } from '@/server/services/replays/control-job'

export const dynamic = 'force-dynamic'

const params = z.object({ id: z.string(), action: replayActionSchema.shape.action })
const body = replayActionSchema.pick({ reason: true })

/** POST /api/v1/replays/{id}/{approve|reject|pause|resume|abort} `{reason?}` (reject and abort need one). */
export const POST = restHandler(
  { role: 'operator', params, body, optionalBody: true },
  async (ctx, { params: { id, action }, body: { reason } }) => ({ job: await controlReplayJob(ctx, { id, action, reason }) }),
)
