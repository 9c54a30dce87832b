import type { PrismaClient } from '../../db/client'

/**
 * The Postgres-side inputs of the sync-health KPIs: dead letters open now, dead-letter MTTR and
 * replay success over a window, grouped by plant.
 */

export interface DeadLetterKpiInputs {
  /** Open dead letters now (OPEN_DEAD_LETTER_STATUSES). */
  open: number
  /** Dead letters resolved (or discarded) in the window and their mean time to resolution, h. */
  resolved: number
  mttrHours: number | null
  /** Replayed records produced in the window: posted afterwards / failed again / not settled yet. */
  replayPosted: number
  replayFailed: number
  replayPending: number
}

const EMPTY: DeadLetterKpiInputs = { open: 0, resolved: 0, mttrHours: null, replayPosted: 0, replayFailed: 0, replayPending: 0 }

/**
 * Dead-letter inputs per plant over [from, to) and, with `previousFrom`, over the previous period
 * [previousFrom, from) in the same three queries. Open dead letters are a "now" number: current only.
 */
export async function deadLetterKpiInputs(
  prisma: PrismaClient,
  q: { plants: string[]; from: Date; to: Date; previousFrom?: Date },
): Promise<{ current: Map<string, DeadLetterKpiInputs>; previous: Map<string, DeadLetterKpiInputs> | null }> {
  const current = new Map<string, DeadLetterKpiInputs>()
  const previous = q.previousFrom ? new Map<string, DeadLetterKpiInputs>() : null
  if (q.plants.length === 0) return { current, previous }
  const of = (plant: string, period: number) => {
    const map = period === 0 ? current : previous!
    let v = map.get(plant)
    if (!v) map.set(plant, (v = { ...EMPTY }))
    return v
  }
  const start = q.previousFrom ?? q.from
  const [open, mttr, replays] = await Promise.all([
    prisma.$queryRaw<Array<{ plant: string; n: number }>>`
      SELECT plant_code AS plant, count(*)::int AS n FROM dead_letters
      WHERE plant_code = ANY(${q.plants}) AND status IN ('new', 'triaged', 'replay_queued', 'replayed', 'failed_again')
      GROUP BY plant_code`,
    prisma.$queryRaw<Array<{ plant: string; period: number; n: number; hours: number | null }>>`
      SELECT plant_code AS plant, (resolved_at < ${q.from})::int AS period, count(*)::int AS n,
             (avg(extract(epoch FROM resolved_at - record_timestamp)) / 3600)::float8 AS hours
      FROM dead_letters
      WHERE plant_code = ANY(${q.plants}) AND resolved_at IS NOT NULL AND resolved_at >= ${start} AND resolved_at < ${q.to}
      GROUP BY 1, 2`,
    // A replayed record "then posted" when telemetry resolved its dead letter; it failed when the
    // dead letter came back (failed_again); otherwise the closed loop has not decided yet.
    prisma.$queryRaw<Array<{ plant: string; period: number; posted: number; failed: number; pending: number }>>`
      SELECT d.plant_code AS plant, (i.produced_at < ${q.from})::int AS period,
             count(*) FILTER (WHERE d.status = 'resolved')::int AS posted,
             count(*) FILTER (WHERE d.status = 'failed_again')::int AS failed,
             count(*) FILTER (WHERE d.status NOT IN ('resolved', 'failed_again'))::int AS pending
      FROM replay_items i JOIN dead_letters d ON d.id = i.dead_letter_id
      WHERE d.plant_code = ANY(${q.plants}) AND i.status = 'produced' AND i.produced_at >= ${start} AND i.produced_at < ${q.to}
      GROUP BY 1, 2`,
  ])
  for (const r of open) of(r.plant, 0).open = Number(r.n)
  for (const r of mttr) Object.assign(of(r.plant, Number(r.period)), { resolved: Number(r.n), mttrHours: r.hours === null ? null : Number(r.hours) })
  for (const r of replays)
    Object.assign(of(r.plant, Number(r.period)), { replayPosted: Number(r.posted), replayFailed: Number(r.failed), replayPending: Number(r.pending) })
  return { current, previous }
}

export function deadLetterInputsOf(map: Map<string, DeadLetterKpiInputs>, plant: string): DeadLetterKpiInputs {
  return map.get(plant) ?? EMPTY
}
