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
  groups: plantProcedure.input(z.object({ filter: filter.default({}) })).query(({ ctx, input }) => listGroups(ctx.runtime.db.prisma, ctx.principal, { ...input.filter, plant: input.plant, plants: input.plants })),
  records: plantProcedure
    .input(z.object({ filter: filter.default({}), limit: z.number().int().min(1).max(500).default(100), cursor: z.string().max(64).nullish() }))
    .query(({ ctx, input }) => listRecords(ctx.runtime.db.prisma, ctx.principal, { ...input.filter, plant: input.plant, plants: input.plants }, { limit: input.limit, cursor: input.cursor })),
  get: plantProcedure.input(z.object({ id: z.string().min(1).max(64) })).query(({ ctx, input }) => getDeadLetter(ctx.runtime.db.prisma, ctx.principal, input.id)),
  assignees: operatorProcedure.query(({ ctx }) => assignees(ctx.runtime.db.prisma, ctx.scope)),
  assign: operatorProcedure.input(assignSchema).mutation(({ ctx, input }) => assignDeadLetter({ prisma: ctx.runtime.db.prisma, principal: ctx.principal, ip: ctx.ip }, input)),
  comment: operatorProcedure.input(commentSchema).mutation(({ ctx, input }) => commentDeadLetter({ prisma: ctx.runtime.db.prisma, principal: ctx.principal, ip: ctx.ip }, input)),
  discard: operatorProcedure
    .input(z.object({ id: z.string().min(1).max(64), reason: z.string().max(2000) }))
    .mutation(({ ctx, input }) => discardDeadLetter({ prisma: ctx.runtime.db.prisma, principal: ctx.principal, ip: ctx.ip }, input)),
  triageGroup: operatorProcedure
    .input(triageMatchingSchema)
    .mutation(({ ctx, input }) => triageMatching({ prisma: ctx.runtime.db.prisma, principal: ctx.principal, ip: ctx.ip }, input)),
})
