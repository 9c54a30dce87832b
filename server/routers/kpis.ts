import { z } from 'zod'
import { plantCodeSchema } from '../domain/plants'
import { resolveRange } from '../domain/time-range'
import { plantDashboard } from '../services/kpis/dashboard'
import { kpiOverview } from '../services/kpis/overview'
import { listTargets, resetTarget, setTarget, targetInputSchema } from '../services/sla/targets'
import { adminProcedure, plantProcedure, router } from '../trpc'
import { rangeInput } from './overview'

export const kpisRouter = router({
  /** One tile per plant in scope, worst health first. */
  overview: plantProcedure
    .meta({ access: 'viewer', slow: true })
    .input(rangeInput)
    .query(({ ctx, input }) => kpiOverview(ctx, resolveRange(input))),

  /** The plant dashboard: KPI cards with previous period, series and breakdowns. */
  plant: plantProcedure
    .meta({ access: 'viewer', slow: true })
    .input(rangeInput.extend({ plant: plantCodeSchema }))
    .query(async ({ ctx, input }) => {
      const { from, to } = resolveRange(input)
      return { from, to, ...(await plantDashboard(ctx, { plant: input.plant, from, to })) }
    }),

  /** The plant's SLA targets: defaults, plant-wide values and flow entries. */
  targets: plantProcedure
    .meta({ access: 'viewer' })
    .input(z.object({ plant: plantCodeSchema }))
    .query(({ ctx, input }) => listTargets(ctx, input)),

  setTarget: adminProcedure.input(targetInputSchema.extend({ plant: plantCodeSchema })).mutation(({ ctx, input }) => setTarget(ctx, input)),

  resetTarget: adminProcedure
    .input(targetInputSchema.pick({ flow: true, kpi: true }).extend({ plant: plantCodeSchema }))
    .mutation(({ ctx, input }) => resetTarget(ctx, input)),
})
