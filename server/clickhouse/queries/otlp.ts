import type { ClickHouse } from '../client'
import { chQuery, type Actor } from '../exec'

export interface OtlpServiceHops {
  /** `service.name` of the spans (the hop's `source_system`). */
  service: string
  hops1h: number
  hops24h: number
  /** Hops with status `error` in the 24 hours (failed spans that did map). */
  errorHops24h: number
  /** When the newest of them was written. */
  lastIngestedAt: string
}

/**
 * Hops mapped from OTLP spans per `service.name` since `dayAgo` (and since `hourAgo`), told apart
 * from native hop events by the topic they were read from (`src_topic` = OTLP_TOPIC). Distinct
 * event ids, so an exporter retry not yet merged away counts once. By span end time
 * (`occurred_at`, which has a minmax index); there is no rollup by source system, so this reads
 * the recent parts of hop_events: an admin view, marked slow.
 */
export async function otlpHopsByService(
  ch: ClickHouse,
  q: { topic: string; hourAgo: Date; dayAgo: Date; limit: number; actor?: Actor },
): Promise<OtlpServiceHops[]> {
  const { rows } = await chQuery<OtlpServiceHops>(ch, {
    name: 'otlp.hopsByService',
    sql: `SELECT source_system AS service,
                 uniqExactIf(event_id, occurred_at >= {hourAgo:DateTime64(3, 'UTC')}) AS hops1h,
                 uniqExact(event_id) AS hops24h,
                 uniqExactIf(event_id, status = 'error') AS errorHops24h,
                 max(ingested_at) AS lastIngestedAt
          FROM ${ch.database}.hop_events
          WHERE src_topic = {topic:String} AND occurred_at >= {dayAgo:DateTime64(3, 'UTC')}
          GROUP BY source_system
          ORDER BY source_system
          LIMIT {limit:UInt32}`,
    params: { topic: q.topic, hourAgo: q.hourAgo, dayAgo: q.dayAgo, limit: q.limit },
    actor: q.actor,
  })
  return rows.map((r) => ({ ...r, hops1h: Number(r.hops1h), hops24h: Number(r.hops24h), errorHops24h: Number(r.errorHops24h) }))
}
