import { replayActionSchema } from '@/server/domain/replays'
import { jsonBody, restHandler } from '@/server/rest'
import { controlReplayJob } from '@/server/services/replays/jobs'

export const dynamic = 'force-dynamic'

const body = replayActionSchema.pick({ reason: true })

/** POST /api/v1/replays/{id}/{approve|reject|pause|resume|abort} `{reason?}` (reject and abort need one). */
export const POST = restHandler('v1.replays.control', 'operator', async ({ runtime, principal, req, params }) => {
  const action = replayActionSchema.shape.action.parse(params.action)
  const text = await req.clone().text()
  const { reason } = body.parse(text.trim() ? await jsonBody(req) : {})
  const ip = req.headers.get('x-forwarded-for')?.split(',')[0]?.trim() ?? null
  return { job: await controlReplayJob(runtime.db.prisma, principal, params.id ?? '', action, reason, ip) }
})

