import { z } from 'zod'
import { HEALTH_RANK } from '../domain/kpis'
import { plantCodeSchema } from '../domain/plants'
import { resolveRange } from '../domain/time-range'
import { computeKpis, grainOf } from '../services/kpis/compute'
import { plantDashboard } from '../services/kpis/dashboard'
import { listTargets, resetTarget, setTarget, targetInputSchema } from '../services/kpis/targets'
import { adminProcedure, plantProcedure, router } from '../trpc'
import { rangeInput } from './overview'

/** What a tile of the overview shows (KPIS.md headline), plus its sparkline. */
const TILE_KPIS = new Set(['first_pass_success', 'e2e_latency_p95', 'open_backlog', 'backlog_age_max', 'dead_lettered_backlog', 'stuck_transactions', 'ingest_freshness'])

export const kpisRouter = router({
  /** One tile per plant in scope, worst health first. */
  overview: plantProcedure
    .meta({ access: 'viewer', slow: true })
    .input(rangeInput)
    .query(async ({ ctx, input }) => {
      const { from, to } = resolveRange(input)
      const reports = await computeKpis(
        { prisma: ctx.runtime.db.prisma, clickhouse: ctx.runtime.clickhouse },
        { plants: ctx.scope, from, to, series: true, actor: { route: 'trpc:kpis.overview', user: ctx.principal.label } },
      )
      // Sparklines over every bucket of the range (empty ones as zero) so a trend reads as time.
      const step = grainOf(from, to).stepSec * 1000
      const starts: number[] = []
      for (let t = Math.floor(from.getTime() / step) * step; t < to.getTime() && starts.length < 2000; t += step) starts.push(t)
      const tiles = reports.map((r) => {
        const byStart = new Map(r.buckets.map((b) => [Date.parse(b.bucket), b]))
        return {
          plant: r.plant,
          health: r.health,
          stuckBeyondSla: r.stuckBeyondSla,
          kpis: r.kpis.filter((k) => TILE_KPIS.has(k.id)),
          spark: starts.map((t) => {
            const b = byStart.get(t)
            return { t: new Date(t).toISOString(), started: b?.started ?? 0, posted: b?.posted_in_bucket ?? 0, e2eP95: b?.e2e_p95_ms == null ? null : b.e2e_p95_ms / 1000 }
          }),
        }
      })
      tiles.sort((a, b) => HEALTH_RANK[a.health.health] - HEALTH_RANK[b.health.health] || b.health.reasons.length - a.health.reasons.length || a.plant.localeCompare(b.plant))
      return { from, to, grain: grainOf(from, to).grain, tiles }
    }),

  /** The plant dashboard: KPI cards with previous period, series and breakdowns. */
  plant: plantProcedure
    .meta({ access: 'viewer', slow: true })
    .input(rangeInput.extend({ plant: plantCodeSchema }))
    .query(async ({ ctx, input }) => {
      const { from, to } = resolveRange(input)
      const dashboard = await plantDashboard(
        { prisma: ctx.runtime.db.prisma, clickhouse: ctx.runtime.clickhouse },
        { plant: input.plant, from, to, actor: { route: 'trpc:kpis.plant', user: ctx.principal.label } },
      )
      return { from, to, ...dashboard }
    }),

  /** The plant's SLA targets: defaults, plant-wide values and flow entries. */
  targets: plantProcedure
    .meta({ access: 'viewer' })
    .input(z.object({ plant: plantCodeSchema }))
    .query(({ ctx, input }) => listTargets(ctx.runtime.db.prisma, input.plant)),

  setTarget: adminProcedure
    .input(targetInputSchema.extend({ plant: plantCodeSchema }))
    .mutation(({ ctx, input }) => setTarget(ctx.runtime.db.prisma, ctx.principal, input.plant, input)),

  resetTarget: adminProcedure
    .input(targetInputSchema.pick({ flow: true, kpi: true }).extend({ plant: plantCodeSchema }))
    .mutation(({ ctx, input }) => resetTarget(ctx.runtime.db.prisma, ctx.principal, input.plant, input)),
})
