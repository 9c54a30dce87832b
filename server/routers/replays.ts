import { z } from 'zod'
import { REPLAY_ITEM_STATUSES, REPLAY_JOB_STATUSES, replayActionSchema } from '../domain/replays'
import { controlReplayJob } from '../services/replays/control-job'
import { createReplayJob } from '../services/replays/create-job'
import { dryRunReplay } from '../services/replays/dry-run'
import { getReplayJob, listReplayJobs } from '../services/replays/list-jobs'
import { suggestRunningOrder } from '../services/replays/suggestions'
import { operatorProcedure, plantProcedure, router } from '../trpc'

const jobId = z.object({ id: z.string().min(1).max(64) })

/**
 * Replay jobs (DLQ-REPLAY.md): operators dry-run, create and control jobs within their plants;
 * only admins force; viewers may look. Plant scope is checked by the services, which know which
 * plants a selection or a job touches. The request is the object `replayRequestSchema` parses.
 */
export const replaysRouter = router({
  /** Reads ClickHouse (duplicate and ordering risk): a mutation so large edits travel in a body. */
  dryRun: operatorProcedure
    .meta({ access: 'operator', slow: true })
    .input(z.object({ request: z.unknown() }))
    .mutation(async ({ ctx, input }) => (await dryRunReplay(ctx, input.request)).report),
  create: operatorProcedure
    .meta({ access: 'operator', slow: true })
    .input(z.object({ request: z.unknown() }))
    .mutation(({ ctx, input }) => createReplayJob(ctx, input.request)),
  control: operatorProcedure.input(jobId.extend(replayActionSchema.shape)).mutation(({ ctx, input }) => controlReplayJob(ctx, input)),
  list: plantProcedure
    .input(z.object({ status: z.array(z.enum(REPLAY_JOB_STATUSES)).max(8).optional(), limit: z.number().int().min(1).max(200).default(50), cursor: z.string().max(64).optional() }))
    .query(({ ctx, input }) => listReplayJobs(ctx, { ...input, plant: input.plant })),
  get: plantProcedure
    .input(jobId.extend({ itemStatus: z.array(z.enum(REPLAY_ITEM_STATUSES)).max(4).optional(), limit: z.number().int().min(1).max(500).default(100), cursor: z.string().max(64).optional() }))
    .query(({ ctx, input }) => getReplayJob(ctx, { id: input.id, status: input.itemStatus, limit: input.limit, cursor: input.cursor })),
  /** The dead letter's current value and, for a TECO order (flow F), the order its line runs now. */
  editContext: operatorProcedure
    .meta({ access: 'operator', slow: true })
    .input(z.object({ deadLetterId: z.string().min(1).max(64) }))
    .query(({ ctx, input }) => suggestRunningOrder(ctx, input)),
})
