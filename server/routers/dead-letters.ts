import { z } from 'zod'
import { deadLetterFilterSchema } from '../domain/dead-letters'
import { resolveRange } from '../domain/time-range'
import { groupDetail } from '../services/dead-letters/groups'
import { getDeadLetter, listGroups, listRecords } from '../services/dead-letters/queries'
import { addRunbookNote, markFixed, markFixedSchema, runbookNoteSchema } from '../services/dead-letters/runbook'
import { assignDeadLetter, assignees, assignSchema, commentDeadLetter, commentSchema, discardDeadLetter, triageMatching, triageMatchingSchema } from '../services/dead-letters/triage'
import { operatorProcedure, plantProcedure, router } from '../trpc'
import { rangeInput } from './overview'

/**
 * Exception triage (DLQ-REPLAY.md): everyone with access reads groups, records and details in their
 * plants; operators assign, comment and discard within their plants, one record or a whole group. The plant facet is
 * plantProcedure's `plant`/`plants` (checked there); the services check each record's plant.
 * `range` is the header's time range (resolved here, so "last 24 h" means up to now at every
 * refresh): the lists count what was dead-lettered in it.
 */
const filter = deadLetterFilterSchema.partial()
const ranged = { range: rangeInput.optional() }

function withRange<F extends { from?: Date; to?: Date }>(f: F, range: z.infer<typeof rangeInput> | undefined): F {
  return range ? { ...f, ...resolveRange(range) } : f
}

export const deadLettersRouter = router({
  groups: plantProcedure
    .input(z.object({ filter: filter.default({}), ...ranged }))
    .query(({ ctx, input }) => listGroups(ctx, { ...withRange(input.filter, input.range), plant: input.plant, plants: input.plants })),
  records: plantProcedure
    .input(z.object({ filter: filter.default({}), ...ranged, limit: z.number().int().min(1).max(500).default(100), cursor: z.string().max(64).nullish() }))
    .query(({ ctx, input }) =>
      listRecords(ctx, { filter: { ...withRange(input.filter, input.range), plant: input.plant, plants: input.plants }, limit: input.limit, cursor: input.cursor }),
    ),
  /** One group: facets, guidance, runbook notes, what resolved it before (viewer, in their plants). */
  group: plantProcedure
    .input(z.object({ filter: filter.extend({ fingerprint: z.string().min(1).max(128) }), ...ranged }))
    .query(({ ctx, input }) => groupDetail(ctx, { ...withRange(input.filter, input.range), plant: input.plant, plants: input.plants })),
  get: plantProcedure.input(z.object({ id: z.string().min(1).max(64) })).query(({ ctx, input }) => getDeadLetter(ctx, input)),
  assignees: operatorProcedure.query(({ ctx }) => assignees(ctx)),
  assign: operatorProcedure.input(assignSchema).mutation(({ ctx, input }) => assignDeadLetter(ctx, input)),
  comment: operatorProcedure.input(commentSchema).mutation(({ ctx, input }) => commentDeadLetter(ctx, input)),
  discard: operatorProcedure
    .input(z.object({ id: z.string().min(1).max(64), reason: z.string().max(2000) }))
    .mutation(({ ctx, input }) => discardDeadLetter(ctx, input)),
  triageGroup: operatorProcedure.input(triageMatchingSchema).mutation(({ ctx, input }) => triageMatching(ctx, input)),
  /** A runbook note on a group (operator/admin; the group must have a dead letter in their plants). */
  addRunbookNote: operatorProcedure.input(runbookNoteSchema).mutation(({ ctx, input }) => addRunbookNote(ctx, input)),
  /** Records that the dead letter's cause was fixed (operator in its plant): "Replay" becomes its primary action. */
  markFixed: operatorProcedure.input(markFixedSchema).mutation(({ ctx, input }) => markFixed(ctx, input)),
})
