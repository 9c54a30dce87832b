import type { Transport } from '../server/bus/port'
import type { ClickHouse } from '../server/clickhouse/client'
import type { Config } from '../server/config'
import type { PrismaClient } from '../server/db/client'
import { setIngestStatusProvider, type IngestStatus } from '../server/ingest-status'
import type { Logger } from '../server/logger'
import { createTelemetryPipeline, type TelemetryPipelineStatus } from './telemetry/pipeline'

export interface WorkerDeps {
  config: Config
  clickhouse: ClickHouse
  prisma: PrismaClient
  transport: Transport
  logger: Logger
}

export interface Worker {
  stop(): Promise<void>
}

function toIngestStatus(s: TelemetryPipelineStatus): IngestStatus {
  return { status: s.status, lag: s.lag, written: s.written, newest_event_time: s.newestEventTime, last_error: s.lastError }
}

/**
 * The worker's parts, the same inside `npm start` and in `npm run ingest`: today the telemetry
 * pipeline; its status is what /api/health and the header indicator show.
 */
export async function startWorker(deps: WorkerDeps): Promise<Worker> {
  const pipeline = createTelemetryPipeline({ ...deps, logger: deps.logger.child({ component: 'ingest' }) })
  setIngestStatusProvider(() => toIngestStatus(pipeline.status()))
  await pipeline.start()
  return {
    async stop() {
      await pipeline.stop()
      setIngestStatusProvider(() => toIngestStatus(pipeline.status()))
    },
  }
}
