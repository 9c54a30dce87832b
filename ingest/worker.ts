import type { Transport } from '../server/bus/port'
import type { ClickHouse } from '../server/clickhouse/client'
import type { Config } from '../server/config'
import { workerCtx, type WorkerJob } from '../server/context/ctx'
import type { PrismaClient } from '../server/db/client'
import { setIngestStatusProvider, type IngestStatus } from '../server/ingest-status'
import type { Logger } from '../server/logger'
import { startAlerting, type AlertingDeps } from './alerts/alerting'
import { createDlqIndexer } from './dlq/indexer'
import { createReplayExecutor } from './replay/executor'
import { startHourStatsRefresher } from './rollups/hour-stats'
import { startResolver } from './replay/resolver'
import { otlpRecordSource } from './otlp/source'
import { startStoredOtlpMapping } from './otlp/stored-mapping'
import { startTapRunner } from './taps/runner'
import { coalescerOptions, InsertCoalescer } from './telemetry/coalescer'
import { createTelemetryPipeline, type TelemetryPipelineStatus } from './telemetry/pipeline'

export interface WorkerDeps {
  config: Config
  clickhouse: ClickHouse
  prisma: PrismaClient
  transport: Transport
  logger: Logger
  /** Alert evaluation overrides (tests); the settings come from config. */
  alerts?: Pick<AlertingDeps, 'evaluate' | 'sender' | 'sendIntervalMs' | 'holdReason'>
}

export interface Worker {
  /**
   * Waits (at most `timeoutMs`) until what producers already sent is stored: accepted OTLP requests
   * first (their unmapped spans become dead letters), dead letters next (they add `dead_lettered`
   * hops to the telemetry topic), then telemetry. A clean stop of the
   * in-process bus needs it, since that bus keeps its records in memory only. The records left.
   */
  drain(timeoutMs: number): Promise<number>
  stop(): Promise<void>
}

/** Worst first: the health check and the header indicator show the worse of the two pipelines. */
const SEVERITY: TelemetryPipelineStatus['status'][] = ['stopped', 'stalled', 'behind', 'starting', 'ok']

/** Hop events and OTLP spans as one ingest: lags and rows added up, the worse state, the newer event. */
function toIngestStatus(telemetry: TelemetryPipelineStatus, otlp: TelemetryPipelineStatus): IngestStatus {
  const newest = [telemetry.newestEventTime, otlp.newestEventTime].filter((t) => t !== null).sort()
  return {
    status: SEVERITY.find((s) => s === telemetry.status || s === otlp.status)!,
    lag: telemetry.lag + otlp.lag,
    written: telemetry.written + otlp.written,
    newest_event_time: newest.at(-1) ?? null,
    last_error: telemetry.lastError ?? (otlp.lastError === undefined ? undefined : `otlp ${otlp.lastError}`),
  }
}

/**
 * The worker's parts, the same inside `npm start` and in `npm run ingest`: the telemetry pipeline
 * and the same pipeline reading the OTLP topic (spans accepted by the OTLP receiver, ingest/otlp/;
 * their joint status is what /api/health and the header indicator show), the replay executor and the
 * replay resolver (ingest/replay/), the topic taps (ingest/taps/), the DLQ indexer (ingest/dlq/),
 * the alerting loop (ingest/alerts/) and the hour statistics of the dashboards (ingest/rollups/).
 */
export async function startWorker(deps: WorkerDeps): Promise<Worker> {
  // One writer of batches for every pipeline below: theirs share inserts (coalescer.ts).
  const coalescer = new InsertCoalescer(deps.clickhouse, coalescerOptions(deps))
  const pipeline = createTelemetryPipeline({ ...deps, coalescer, logger: deps.logger.child({ component: 'ingest' }) })
  // The admin-edited span mapping, re-read when it changes (no restart needed).
  const otlpMapping = await startStoredOtlpMapping({ prisma: deps.prisma, config: deps.config, logger: deps.logger })
  const otlp = createTelemetryPipeline({ ...deps, coalescer, source: otlpRecordSource(deps.config, otlpMapping.map), logger: deps.logger.child({ component: 'ingest' }) })
  const status = () => toIngestStatus(pipeline.status(), otlp.status())
  setIngestStatusProvider(status)
  await pipeline.start()
  await otlp.start()
  // Topic taps (ingest/taps/): a pipeline per enabled tap, started and stopped as admins change them.
  const taps = await startTapRunner({ ...deps, coalescer })
  // One context per job kind: its tag names the job in ClickHouse's log, its principal in the audit log.
  const ctxOf = (job: WorkerJob, logger: Logger = deps.logger) => workerCtx({ db: deps.prisma, ch: deps.clickhouse, config: deps.config, logger }, job)
  const dlq = createDlqIndexer({ ctx: await ctxOf('dlq-indexer'), transport: deps.transport })
  await dlq.start()
  const replays = createReplayExecutor({ ctx: await ctxOf('replay-executor'), transport: deps.transport })
  replays.start()
  const resolver = startResolver(await ctxOf('replay-resolver'))
  const hourStats = startHourStatsRefresher({ clickhouse: deps.clickhouse, logger: deps.logger.child({ component: 'hour-stats' }), written: () => (status().written ?? 0) + taps.status().reduce((n, t) => n + t.written, 0) })
  const alerting = startAlerting({
    ctx: await ctxOf('alerts', deps.logger.child({ component: 'alerts' })),
    publicUrl: deps.config.publicUrl,
    evalIntervalMs: deps.config.env.ALERT_EVAL_INTERVAL_MS,
    ...deps.alerts,
    evaluate: { ingestLag: () => status().lag, ...deps.alerts?.evaluate },
  })
  return {
    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs
      const left = () => Math.max(deadline - Date.now(), 0)
      const spans = await otlp.drain(timeoutMs)
      const tapped = await taps.drain(left())
      const deadLetters = await dlq.drain(left())
      return spans + tapped + deadLetters + (await pipeline.drain(left()))
    },
    async stop() {
      // Replays first: a batch in flight finishes and is recorded before the transport closes.
      await Promise.all([replays.stop(), resolver.stop(), alerting.stop(), dlq.stop(), hourStats.stop()])
      await Promise.all([pipeline.stop(), otlp.stop(), taps.stop()])
      otlpMapping.stop()
      setIngestStatusProvider(status)
    },
  }
}
