import type { TopicSpec } from '../server/bus/port'
import type { Convention, PlantModel } from './model'

/**
 * Topic layout (README.md "Topics"): one hub source topic per plant — each plant's middleware is
 * its own deployment — and one dead-letter topic per plant, named the way its convention does it:
 *   spring   <prefix>.hub.<plant>.in-dlt            (Spring's `<source>-dlt`)
 *   connect  <prefix>.connect.erp-sink-<plant>.dlq  (a Connect sink's errors.deadletterqueue.topic.name)
 *   hub      <prefix>.hub.<plant>.dlq               (the reference hub's own)
 */

export interface PlantTopics {
  plant: string
  source: string
  dlq: string
  convention: Convention
  /** Kafka Connect only: the sink connector's name. */
  connector?: string
}

export function plantTopics(prefix: string, plant: PlantModel): PlantTopics {
  const source = `${prefix}.hub.${plant.code}.in`
  switch (plant.convention) {
    case 'spring':
      return { plant: plant.code, source, dlq: `${source}-dlt`, convention: 'spring' }
    case 'connect': {
      const connector = `erp-sink-${plant.code}`
      return { plant: plant.code, source, dlq: `${prefix}.connect.${connector}.dlq`, convention: 'connect', connector }
    }
    case 'hub':
      return { plant: plant.code, source, dlq: `${prefix}.hub.${plant.code}.dlq`, convention: 'hub' }
  }
}

/**
 * Spring's DeadLetterPublishingRecoverer writes to the original partition number, so its DLT needs
 * as many partitions as the source; the other two are keyed and could have any count.
 */
/** A day of slack on top of the backfill, so the oldest history outlives a day of looking at it. */
const BACKFILL_RETENTION_SLACK_MS = 24 * 3_600_000

/**
 * The topics a run writes to (`businessTopics`: the tapped plants', tapped.ts). With a backfill, topics it creates keep at least that much history:
 * Kafka deletes by record timestamp, and a week of backfilled records would otherwise be gone
 * under a broker's one-day retention before the hub or the console read them.
 */
export function topicSpecs(telemetry: { name: string; partitions: number }, plants: PlantTopics[], partitions: number, backfillMs = 0, businessTopics: string[] = []): TopicSpec[] {
  const retention = backfillMs > 0 ? { retentionMs: backfillMs + BACKFILL_RETENTION_SLACK_MS } : {}
  const perPlant = plants.flatMap((p) => [p.source, p.dlq])
  return [telemetry, ...[...perPlant, ...businessTopics].map((name) => ({ name, partitions }))].map((t) => ({ ...t, ...retention }))
}
