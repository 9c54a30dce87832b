/**
 * One measured phase of the ingest benchmark, in its own process so its peak RSS is its own.
 * Prints one JSON line: { events, seconds, rate, peakRssMiB }.
 *   consume  <brokers> <topic> <n>            kafkajs consumer (our adapter, same settings) counting records
 *   insert   <n>                              the same rows inserted into a fresh chDB, BENCH_INSERT_BATCH (50k) rows an insert
 *   pipeline <brokers> <topic> <n> <store>    the full pipeline: Kafka → decode/validate → chDB, the workflow
 *                                              store `postgres` (a split deployment's worker) or `pglite` (npm start)
 *   costs    <n>                              µs per record of each stage (costs.ts); prints { costs, peakRssMiB }
 *   freshness <brokers> <topic> <store>        the full pipeline on a topic being produced to: produce → visible
 *                                              in hop_events of each row (visibility.ts, driven by freshness.ts)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KafkaTransport } from '../../server/bus/kafka'
import { createClickHouse } from '../../server/clickhouse/client'
import { chInsert } from '../../server/clickhouse/exec'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { loadConfig } from '../../server/config'
import { sleep } from '../../server/retry'
import { OriginCache } from '../../ingest/telemetry/origin-cache'
import { measureCosts } from './costs'
import { benchRows } from './rows'
import { cpuMicros, cpuWindow, type CpuWindow, type MemoryPeaks, peakRssMiB, sampleMemory } from '../usage'
import { benchPipeline, insertBatchRows, insertTotals, insertWindow, type InsertWindow, workflowStore } from './phase'
import { measureVisibility } from './visibility'

/**
 * `startupSeconds` (group join, first fetch) is reported apart: the rate is the steady state.
 * `cpuUsPerEvent`: process CPU over the same window per event, which other processes on a shared
 * machine move far less than the rate.
 */
function report(events: number, seconds: number, startupSeconds: number, cpuUs: number, extra?: MemoryPeaks & InsertWindow & CpuWindow) {
  const cpuUsPerEvent = Math.round((cpuUs / events) * 10) / 10
  process.stdout.write(`${JSON.stringify({ events, seconds, rate: Math.round(events / seconds), startupSeconds, peakRssMiB: peakRssMiB(), cpuUsPerEvent, ...extra })}\n`)
}

const [mode, ...args] = process.argv.slice(2)
const dataDir = mkdtempSync(join(tmpdir(), 'lt-bench-'))
try {
  if (mode === 'consume') {
    const [brokers, topic, n] = [args[0]!, args[1]!, Number(args[2])]
    const config = loadConfig({ KAFKA_BROKERS: brokers, DATA_DIR: dataDir })
    const transport = new KafkaTransport(config.kafka)
    const consumer = transport.consumer({ groupId: `bench-consume-${Date.now()}`, topics: [topic], fromBeginning: true })
    let seen = 0
    let first = 0
    let firstAt = 0
    let c0 = 0
    let done: () => void
    const finished = new Promise<void>((r) => (done = r))
    const t0 = performance.now()
    await consumer.run(async (batch) => {
      if (!firstAt) [firstAt, first, c0] = [performance.now(), batch.records.length, cpuMicros()]
      seen += batch.records.length
      if (seen >= n) done()
    })
    await finished
    report(seen - first, (performance.now() - firstAt) / 1000, (firstAt - t0) / 1000, cpuMicros() - c0)
    await consumer.stop()
    await transport.close()
  } else if (mode === 'insert') {
    const n = Number(args[0])
    const ch = createClickHouse({ database: 'linetrace', dataDir })
    await migrateClickHouse(ch)
    // Rows prepared outside the clock: this phase measures ClickHouse's insert rate alone.
    const origins = new OriginCache(1000)
    const events: object[] = []
    const payloads: object[] = []
    for (let i = 0; i < n; i++) {
      const rows = benchRows(i, origins, new Date(), i % 6)
      events.push(rows.event)
      payloads.push(rows.payload)
    }
    const batch = insertBatchRows()
    const [t0, c0] = [performance.now(), cpuMicros()]
    for (let i = 0; i < n; i += batch) {
      await chInsert(ch, { table: 'hop_events', rows: events.slice(i, i + batch) })
      await chInsert(ch, { table: 'hop_payloads', rows: payloads.slice(i, i + batch) })
    }
    report(n, (performance.now() - t0) / 1000, 0, cpuMicros() - c0)
    await ch.close()
  } else if (mode === 'pipeline') {
    const [brokers, topic, n] = [args[0]!, args[1]!, Number(args[2])]
    const memory = sampleMemory()
    const { pipeline, close } = await benchPipeline(brokers, topic, dataDir, workflowStore(args[3]))
    const t0 = performance.now()
    await pipeline.start()
    while (pipeline.status().written === 0) await sleep(5)
    const [firstAt, first, c0, i0] = [performance.now(), pipeline.status().written, cpuMicros(), await insertTotals()]
    const cpu = cpuWindow()
    while (pipeline.status().written < n) await sleep(20)
    const [events, seconds] = [pipeline.status().written - first, (performance.now() - firstAt) / 1000]
    const where = cpu.stop(events)
    report(events, seconds, (firstAt - t0) / 1000, cpuMicros() - c0, { ...memory.stop(), ...insertWindow(i0, await insertTotals(), events, seconds), ...where })
    await close()
  } else if (mode === 'freshness') {
    process.stdout.write(`${JSON.stringify(await measureVisibility(args[0]!, args[1]!, dataDir, workflowStore(args[2])))}\n`)
  } else if (mode === 'costs') {
    const costs = await measureCosts(Number(args[0]), dataDir)
    process.stdout.write(`${JSON.stringify({ costs, peakRssMiB: peakRssMiB() })}\n`)
  } else throw new Error(`unknown mode ${mode}`)
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
process.exit(0)
