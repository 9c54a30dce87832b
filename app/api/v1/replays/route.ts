import { z } from 'zod'
import { REPLAY_JOB_STATUSES, replayRequestSchema } from '@/server/domain/replays'
import { plantCodeSchema } from '@/server/domain/plants'
import { jsonBody, RestResult, restHandler } from '@/server/rest'
import { dryRunReplay, replayDepsOf } from '@/server/services/replays/dry-run'
import { createReplayJob, listReplayJobs } from '@/server/services/replays/jobs'

export const dynamic = 'force-dynamic'

const body = z.object({ dryRun: z.boolean({ error: 'dryRun is required: true for the report, false to create the job' }) }).loose()

/**
 * POST /api/v1/replays `{deadLetterIds? | filter?, dryRun, reason?, force?, forceReason?, ratePerSecond?, targetTopic?, edits?}`:
 * with dryRun the report (200: counts per target topic, not replayable with reasons, duplicate and
 * ordering risk, approval); without it the job (201), queued or awaiting approval.
 */
export const POST = restHandler('v1.replays.create', 'operator', async ({ runtime, principal, req }) => {
  const raw = await jsonBody(req)
  const { dryRun } = body.parse(raw)
  const { dryRun: _flag, ...request } = raw as Record<string, unknown>
  replayRequestSchema.parse(request)
  const deps = replayDepsOf(runtime)
  const ip = req.headers.get('x-forwarded-for')?.split(',')[0]?.trim() ?? null
  if (dryRun) return { dryRun: (await dryRunReplay(deps, principal, request, 'v1.replays')).report }
  const created = await createReplayJob(deps, principal, request, ip)
  return new RestResult(201, { job: created.job, dryRun: created.report, takenElsewhere: created.takenElsewhere })
})

const listQuery = z.object({
  status: z.string().transform((v) => v.split(',')).pipe(z.array(z.enum(REPLAY_JOB_STATUSES))).optional(),
  plant: plantCodeSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(64).optional(),
})

/** GET /api/v1/replays[?status=running,queued&plant=1000&limit=&cursor=]: jobs in the token's plants, newest first. */
export const GET = restHandler('v1.replays.list', 'viewer', async ({ runtime, principal, url }) => {
  const q = listQuery.parse(Object.fromEntries(url.searchParams))
  return listReplayJobs(runtime.db.prisma, principal, q)
})
