import { hopCountsByPlant } from '../../clickhouse/queries/overview'
import type { Ctx } from '../../context/ctx'

/** Hop events per plant of the scope over [from, to), zero for plants without traffic. */
export async function hopCounts(ctx: Pick<Ctx, 'ch' | 'scope' | 'actor'>, { from, to }: { from: Date; to: Date }) {
  if (ctx.scope.length === 0) return { from, to, plants: [] }
  const rows = await hopCountsByPlant(ctx.ch, { plants: [...ctx.scope], from, to, actor: ctx.actor })
  const counts = new Map(rows.map((r) => [r.plant, r.events]))
  return { from, to, plants: ctx.scope.map((plant) => ({ plant, events: counts.get(plant) ?? 0 })) }
}
