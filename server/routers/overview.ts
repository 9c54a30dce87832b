import { z } from 'zod'
import { hopCountsByPlant } from '../clickhouse/queries/overview'
import { resolveRange } from '../domain/time-range'
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
    .query(async ({ ctx, input }) => {
      const { from, to } = resolveRange(input)
      if (ctx.scope.length === 0) return { from, to, plants: [] }
      const rows = await hopCountsByPlant(ctx.runtime.clickhouse, {
        plants: ctx.scope,
        from,
        to,
        actor: { route: 'trpc:overview.hopCounts', user: ctx.principal.label },
      })
      const counts = new Map(rows.map((r) => [r.plant, r.events]))
      return { from, to, plants: ctx.scope.map((plant) => ({ plant, events: counts.get(plant) ?? 0 })) }
    }),
})
