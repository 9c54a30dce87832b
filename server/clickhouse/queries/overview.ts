import type { ClickHouse } from '../client'
import { chQuery, type Actor } from '../exec'
import { FLOW_KPI_TABLE } from './flow-counts'
import { planBuckets } from './window'

/**
 * Distinct hop events per plant whose transaction's source time (origin_time) falls in [from, to), widened to
 * whole minutes.
 *
 * Reads the rollups, never hop_events, even for a 30-second window: hop_events is partitioned by
 * origin_time and sorted by correlation_id, so a filter on event time cannot prune it and a
 * "small" window would scan the whole retention. flow_kpi_counts_1m answers any window at minute
 * resolution from a few rows per minute; whole hours come from flow_kpi_counts_1h (the only
 * rollup that reaches past 14 days). The states merge across both tables because an event sits in
 * exactly one minute and one hour bucket, and they are exact: a day of a busy plant is a count,
 * not an estimate.
 */
export async function hopCountsByPlant(
  ch: ClickHouse,
  q: { plants: string[]; from: Date; to: Date; actor?: Actor },
): Promise<Array<{ plant: string; events: number }>> {
  if (q.plants.length === 0) return []
  const db = ch.database
  const plan = planBuckets(q.from, q.to)
  const params: Record<string, unknown> = { plants: q.plants }
  const parts: string[] = []
  if (plan.hours) {
    params.hFrom = plan.hours.from
    params.hTo = plan.hours.to
    parts.push(`SELECT plant, ids FROM ${db}.${FLOW_KPI_TABLE['1h']}
      WHERE counter = 'events' AND plant IN {plants:Array(String)}
        AND bucket >= {hFrom:DateTime64(3, 'UTC')} AND bucket < {hTo:DateTime64(3, 'UTC')}`)
  }
  plan.minutes.forEach((r, i) => {
    params[`mFrom${i}`] = r.from
    params[`mTo${i}`] = r.to
    parts.push(`SELECT plant, ids FROM ${db}.${FLOW_KPI_TABLE['1m']}
      WHERE counter = 'events' AND plant IN {plants:Array(String)}
        AND bucket >= {mFrom${i}:DateTime64(3, 'UTC')} AND bucket < {mTo${i}:DateTime64(3, 'UTC')}`)
  })
  const { rows } = await chQuery<{ plant: string; events: number }>(ch, {
    name: 'overview.hopCountsByPlant',
    sql: `SELECT plant, uniqExactMerge(ids) AS events
          FROM (${parts.join('\n UNION ALL \n')})
          GROUP BY plant
          ORDER BY plant`,
    params,
    actor: q.actor,
  })
  return rows.map((r) => ({ plant: r.plant, events: Number(r.events) }))
}
