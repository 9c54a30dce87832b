/**
 * One measured tap phase of the taps benchmark, in its own process (own heap, own peak RSS, fresh
 * chDB and embedded Postgres), on the in-process bus of the embedded mode. Prints one JSON line.
 *   <warmup> <n>   a plant's MES confirmations (bench/taps/records.ts) produced to a business topic,
 *                  read by one tap (its own consumer group, the worker's telemetry pipeline) into
 *                  hop_events; timed from the first send after the warm-up to the last row visible.
 * The hop-event baseline is bench/otlp/child.ts `hops`, run by the suite beside it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compileTap } from '../../ingest/taps/map'
import { TapSource } from '../../ingest/taps/source'
import { createTelemetryPipeline } from '../../ingest/telemetry/pipeline'
import { LocalTransport } from '../../server/bus/local'
import type { ClickHouse } from '../../server/clickhouse/client'
import { chQuery } from '../../server/clickhouse/exec'
import { loadConfig } from '../../server/config'
import { logger } from '../../server/logger'
import { sleep } from '../../server/retry'
import { openStores } from '../ingest/phase'
import { peakRssMiB } from '../usage'
import { BENCH_TOPIC, benchTap, confirmationRecord } from './records'

async function visible(ch: ClickHouse): Promise<number> {
  const { rows } = await chQuery<{ n: number }>(ch, { name: 'bench.taps.visible', sql: `SELECT count() AS n FROM ${ch.database}.hop_events` })
  return rows[0]!.n
}

async function waitVisible(ch: ClickHouse, n: number): Promise<void> {
  while ((await visible(ch)) < n) await sleep(25)
}

const [warmup, n] = process.argv.slice(2).map(Number) as [number, number]
const dataDir = mkdtempSync(join(tmpdir(), 'lt-bench-taps-'))
const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' })
// As bench/otlp: the embedded bus without its per-partition cap, so a large run loses nothing.
const transport = new LocalTransport({ maxPartitionBytes: 2 ** 30 })
const stores = await openStores(dataDir)
try {
  // The plant's topic, as the plant created it.
  await transport.ensureTopics([{ name: BENCH_TOPIC, partitions: config.env.TELEMETRY_PARTITIONS }])
  const source = new TapSource(compileTap(benchTap()), { dlqTopic: config.env.TELEMETRY_DLQ_TOPIC, fromBeginning: true, onPause: () => undefined })
  const pipeline = createTelemetryPipeline({ transport, clickhouse: stores.ch, prisma: stores.db.prisma, config, logger, source })
  await pipeline.start()
  const producer = await transport.producer()
  // Serialised outside the clock, as the hop events are: the emitter's work, not ours.
  const records = Array.from({ length: warmup + n }, (_, i) => confirmationRecord(i))
  const send = async (from: number, to: number) => {
    for (let i = from; i < to; i += 5000) await producer.send(BENCH_TOPIC, records.slice(i, Math.min(i + 5000, to)))
  }
  await send(0, warmup)
  await waitVisible(stores.ch, warmup)
  const u0 = process.cpuUsage()
  const t0 = performance.now()
  await send(warmup, warmup + n)
  await waitVisible(stores.ch, warmup + n)
  const seconds = (performance.now() - t0) / 1000
  const u = process.cpuUsage(u0)
  const failed = source.counts.failed
  process.stdout.write(`${JSON.stringify({ hops: n, seconds, rate: Math.round(n / seconds), cpuSeconds: (u.user + u.system) / 1e6, peakRssMiB: peakRssMiB(), failed })}\n`)
  await pipeline.stop()
} finally {
  await transport.close()
  await stores.close()
  rmSync(dataDir, { recursive: true, force: true })
}
process.exit(0)
