import { z } from 'zod'
import { resolveRange } from '../domain/time-range'
import { hopCounts } from '../services/overview/hop-counts'
import { plantProcedure, router } from '../trpc'

/**
 * The range arrives as the URL has it (a preset, or absolute from/to) and is resolved on the
 * server, so a relative range means "up to now" at every refresh without changing the query key.
 */
export const rangeInput = z.object({
  range: z.string().max(8).nullish(),
  from: z.string().max(40).nullish(),
  to: z.string().max(40).nullish(),
})

export const overviewRouter = router({
  /** Hop events per plant the caller may see, zero for plants without traffic in the range. */
  hopCounts: plantProcedure
    .meta({ access: 'viewer', slow: true })
    .input(rangeInput)
    .query(({ ctx, input }) => hopCounts(ctx, resolveRange(input))),
})
