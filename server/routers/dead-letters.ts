import { z } from 'zod'
import { deadLetterFilterSchema } from '../domain/dead-letters'
import { getDeadLetter, listGroups, listRecords } from '../services/dead-letters/queries'
import { assignDeadLetter, assignees, assignSchema, commentDeadLetter, commentSchema, discardDeadLetter, triageMatching, triageMatchingSchema } from '../services/dead-letters/triage'
import { operatorProcedure, plantProcedure, router } from '../trpc'

/**
 * Exception triage (DLQ-REPLAY.md): everyone with access reads groups, records and details in their
 * plants; operators assign, comment and discard within their plants, one record or a whole group. The plant facet is
 * plantProcedure's `plant`/`plants` (checked there); the services check each record's plant.
 */
const filter = deadLetterFilterSchema.partial()

export const deadLettersRouter = router({
  groups: plantProcedure
    .input(z.object({ filter: filter.default({}) }))
    .query(({ ctx, input }) => listGroups(ctx, { ...input.filter, plant: input.plant, plants: input.plants })),
  records: plantProcedure
    .input(z.object({ filter: filter.default({}), limit: z.number().int().min(1).max(500).default(100), cursor: z.string().max(64).nullish() }))
    .query(({ ctx, input }) => listRecords(ctx, { filter: { ...input.filter, plant: input.plant, plants: input.plants }, limit: input.limit, cursor: input.cursor })),
  get: plantProcedure.input(z.object({ id: z.string().min(1).max(64) })).query(({ ctx, input }) => getDeadLetter(ctx, input)),
  assignees: operatorProcedure.query(({ ctx }) => assignees(ctx)),
  assign: operatorProcedure.input(assignSchema).mutation(({ ctx, input }) => assignDeadLetter(ctx, input)),
  comment: operatorProcedure.input(commentSchema).mutation(({ ctx, input }) => commentDeadLetter(ctx, input)),
  discard: operatorProcedure
    .input(z.object({ id: z.string().min(1).max(64), reason: z.string().max(2000) }))
    .mutation(({ ctx, input }) => discardDeadLetter(ctx, input)),
  triageGroup: operatorProcedure.input(triageMatchingSchema).mutation(({ ctx, input }) => triageMatching(ctx, input)),
})
