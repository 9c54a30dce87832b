import { z } from 'zod'
import { REPLAY_ITEM_STATUSES, REPLAY_JOB_STATUSES, replayActionSchema } from '../domain/replays'
import { dryRunReplay, replayDepsOf } from '../services/replays/dry-run'
import { controlReplayJob, createReplayJob, getReplayJob, listReplayJobs } from '../services/replays/jobs'
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
    .mutation(async ({ ctx, input }) => (await dryRunReplay(replayDepsOf(ctx.runtime), ctx.principal, input.request)).report),
  create: operatorProcedure
    .meta({ access: 'operator', slow: true })
    .input(z.object({ request: z.unknown() }))
    .mutation(({ ctx, input }) => createReplayJob(replayDepsOf(ctx.runtime), ctx.principal, input.request, ctx.ip)),
  control: operatorProcedure
    .input(jobId.extend(replayActionSchema.shape))
    .mutation(({ ctx, input }) => controlReplayJob(ctx.runtime.db.prisma, ctx.principal, input.id, input.action, input.reason, ctx.ip)),
  list: plantProcedure
    .input(z.object({ status: z.array(z.enum(REPLAY_JOB_STATUSES)).max(8).optional(), limit: z.number().int().min(1).max(200).default(50), cursor: z.string().max(64).optional() }))
    .query(({ ctx, input }) => listReplayJobs(ctx.runtime.db.prisma, ctx.principal, { ...input, plant: input.plant })),
  get: plantProcedure
    .input(jobId.extend({ itemStatus: z.array(z.enum(REPLAY_ITEM_STATUSES)).max(4).optional(), limit: z.number().int().min(1).max(500).default(100), cursor: z.string().max(64).optional() }))
    .query(({ ctx, input }) => getReplayJob(ctx.runtime.db.prisma, ctx.principal, input.id, { status: input.itemStatus, limit: input.limit, cursor: input.cursor })),
  /** The dead letter's current value and, for a TECO order (flow F), the order its line runs now. */
  editContext: operatorProcedure
    .meta({ access: 'operator', slow: true })
    .input(z.object({ deadLetterId: z.string().min(1).max(64) }))
    .query(({ ctx, input }) => suggestRunningOrder(replayDepsOf(ctx.runtime), ctx.principal, input.deadLetterId)),
})
