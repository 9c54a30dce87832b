import type { ClickHouse } from '../../client'
import { chCommand, chQuery, type Actor } from '../../exec'
import { fromChDateTime } from '../../../domain/ch-time'
import { SMALL_READ } from '../small-read'
import { floorTo } from '../window'
import { rangesWhere, STORED, statsSql, type StatsRange } from './sql'

/** hour_stats' bucket: one origin hour. */
export const HOUR = 3_600_000
const NEVER = new Date('2299-01-01T00:00:00Z')

/**
 * Hours whose hop events changed since their stats were stored (or that have none), oldest first.
 * `freshSince`: a set computed since then counts as current even if events arrived after it (the
 * worker recomputes it within seconds); without it, any change makes the hour stale.
 */
export async function staleHours(
  ch: ClickHouse,
  q: { plants?: string[]; since: Date; until: Date; limit: number; freshSince?: Date; actor?: Actor },
): Promise<Array<{ plant: string; bucket: Date }>> {
  const plants = q.plants ? 'AND plant IN {plants:Array(String)}' : ''
  const { rows } = await chQuery<{ plant: string; bucket: string }>(ch, {
    name: 'hourStats.stale',
    // One pass over both tables instead of a JOIN (about a fifth cheaper): live marks per hour beside
    // the stored set's; an hour never stored has no computed_at above the epoch, so it is stale.
    sql: `SELECT plant, bucket FROM (
            SELECT plant, bucket, sum(events) AS events, argMax(marks, computed_at) AS stored_marks, max(computed_at) AS latest
            FROM (
              SELECT plant, bucket, events, toUInt64(0) AS marks, toDateTime64(0, 3, 'UTC') AS computed_at FROM ${ch.database}.hour_marks
              WHERE bucket >= {since:DateTime64(3, 'UTC')} AND bucket < {until:DateTime64(3, 'UTC')} ${plants}
              UNION ALL
              SELECT plant, bucket, toUInt64(0) AS events, marks, computed_at FROM ${ch.database}.hour_stats
              WHERE bucket >= {since:DateTime64(3, 'UTC')} AND bucket < {until:DateTime64(3, 'UTC')} ${plants}
            )
            GROUP BY plant, bucket
          )
          WHERE events > 0 AND stored_marks != events AND latest < {freshSince:DateTime64(3, 'UTC')}
          ORDER BY bucket, plant
          LIMIT {limit:UInt32}`,
    params: { since: floorTo(q.since, HOUR), until: q.until, limit: q.limit, plants: q.plants ?? [], freshSince: q.freshSince ?? NEVER },
    actor: q.actor,
    maxExecutionTimeSec: 60,
    settings: SMALL_READ,
  })
  return rows.map((r) => ({ plant: r.plant, bucket: fromChDateTime(r.bucket) }))
}

/**
 * Compute and store the stats of whole origin hours. The marks are read BEFORE the computation:
 * events arriving meanwhile leave the stored marks behind the live count, so the hour reads as
 * stale and is computed again (never the other way round).
 */
export async function refreshHourStats(ch: ClickHouse, hours: ReadonlyArray<{ plant: string; bucket: Date }>): Promise<void> {
  if (hours.length === 0) return
  const db = ch.database
  const params: Record<string, unknown> = {}
  const ranges = mergeRanges(hours.map((h) => ({ plant: h.plant, from: h.bucket, to: new Date(h.bucket.getTime() + HOUR) })))
  const { rows: marks } = await chQuery<{ key: string; events: number }>(ch, {
    name: 'hourStats.marks',
    sql: `SELECT concat(plant, '|', toString(toUnixTimestamp(bucket))) AS key, sum(events) AS events
          FROM ${db}.hour_marks WHERE ${rangesWhere(ranges, 'bucket', HOUR, params, 'm')}
          GROUP BY plant, bucket`,
    params,
  })
  const computedAt = new Date()
  await chCommand(ch, {
    name: 'hourStats.refresh',
    sql: `INSERT INTO ${db}.hour_stats (plant, bucket, flow, line, hop, computed_at, marks, ${STORED})
          SELECT plant, bucket, flow, line, hop, {computedAt:DateTime64(3, 'UTC')} AS computed_at,
            transform(concat(plant, '|', toString(toUnixTimestamp(bucket))), {markKeys:Array(String)}, {markEvents:Array(UInt64)}, toUInt64(0)) AS marks,
            ${STORED}
          FROM (${statsSql(db, ranges, 3600, params)})`,
    params: {
      ...params,
      computedAt,
      markKeys: marks.map((m) => m.key),
      markEvents: marks.map((m) => Number(m.events)),
    },
  })
}

/** Contiguous ranges of one plant become one (fewer OR terms; the same rows). */
function mergeRanges(ranges: readonly StatsRange[]): StatsRange[] {
  const sorted = [...ranges].sort((a, b) => a.plant.localeCompare(b.plant) || a.from.getTime() - b.from.getTime())
  const out: StatsRange[] = []
  for (const r of sorted) {
    const last = out[out.length - 1]
    if (last && last.plant === r.plant && last.to.getTime() >= r.from.getTime()) {
      if (r.to > last.to) last.to = r.to
    } else out.push({ ...r })
  }
  return out
}
