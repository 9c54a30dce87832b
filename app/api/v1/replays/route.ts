import { z } from 'zod'
import { plantCodeSchema } from '@/server/domain/plants'
import { REPLAY_JOB_STATUSES, replayRequestSchema } from '@/server/domain/replays'
import { REPLAY_MAX_BODY_BYTES } from '@/server/http/body-limit'
import { RestResult, restHandler } from '@/server/rest/handler'
import { csvOf, cursorParam, limitParam } from '@/server/rest/params'
import { createReplayJob } from '@/server/services/replays/create-job'
import { dryRunReplay } from '@/server/services/replays/dry-run'
import { listReplayJobs } from '@/server/services/replays/list-jobs'

export const dynamic = 'force-dynamic'

const body = z.object({ dryRun: z.boolean({ error: 'dryRun is required: true for the report, false to create the job' }) }).loose()

/**
 * POST /api/v1/replays `{deadLetterIds? | filter?, dryRun, reason?, force?, forceReason?, ratePerSecond?, targetTopic?, edits?}`:
 * with dryRun the report (200: counts per target topic, not replayable with reasons, duplicate and
 * ordering risk, approval); without it the job (201), queued or awaiting approval. The body may be
 * up to REPLAY_MAX_BODY_BYTES (16 MiB, edited payloads of up to 1 MiB each), not MAX_BODY_BYTES.
 */
export const POST = restHandler({ role: 'operator', body, maxBodyBytes: REPLAY_MAX_BODY_BYTES }, async (ctx, { body: { dryRun, ...request } }) => {
  replayRequestSchema.parse(request)
  if (dryRun) return { dryRun: (await dryRunReplay(ctx, request)).report }
  const created = await createReplayJob(ctx, request)
  return new RestResult(201, { job: created.job, dryRun: created.report, takenElsewhere: created.takenElsewhere })
})

const listQuery = z.object({
  status: csvOf(REPLAY_JOB_STATUSES).optional(),
  plant: plantCodeSchema.optional(),
  limit: limitParam(200).default(50),
  cursor: cursorParam().optional(),
})

/**
 * GET /api/v1/replays[?status=running,queued&plant=1000&limit=&cursor=]: jobs in the token's plants,
 * newest first; a `plant` outside them is 403 (the plant facet), not an empty list.
 */
export const GET = restHandler({ role: 'viewer', query: listQuery, plantFacet: true }, async (ctx, { query }) => listReplayJobs(ctx, query))
