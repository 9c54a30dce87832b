import { HEALTH_RANK } from '../../domain/kpis'
import { computeKpis, grainOf, type KpiCtx } from './compute'

/** What a tile of the overview shows (KPIS.md headline), plus its sparkline. */
const TILE_KPIS = new Set(['first_pass_success', 'e2e_latency_p95', 'open_backlog', 'backlog_age_max', 'dead_lettered_backlog', 'stuck_transactions', 'ingest_freshness'])

/** One tile per plant in scope, worst health first. */
export async function kpiOverview(ctx: KpiCtx & { scope: readonly string[] }, { from, to }: { from: Date; to: Date }) {
  const reports = await computeKpis(ctx, { plants: ctx.scope, from, to, series: true, recon: false })
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
}
