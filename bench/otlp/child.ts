/**
 * One measured phase of the OTLP benchmark, in its own process (own heap, own peak RSS, fresh chDB
 * and embedded Postgres), on the in-process bus of the embedded mode. Prints JSON lines.
 *   hops <warmup> <n>   the plain hop-event path: bench/ingest's events produced to the telemetry
 *                       topic, the telemetry pipeline into hop_events. Times itself: from the first
 *                       send to the last row visible, after a warm-up of <warmup> events.
 *   otlp <token>        the OTLP path: the receiver on a port of its own and the worker's OTLP
 *                       pipeline. Prints {"port"}; the parent (the exporters) drives it by IPC messages
 *                       (never stdin: see bench/ingest/run-child.ts):
 *                       `wait <rows>` answers {"visible"} once hop_events holds that many rows,
 *                       `stop` answers with the phase's figures and exits.
 * Both report the process CPU time and the pipeline's ClickHouse insert figures of their window.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { on } from 'node:events'
import { startOtlpHttpServer } from '../../ingest/otlp/http-server'
import { createOtlpReceiver } from '../../ingest/otlp/receiver'
import { otlpRecordSource } from '../../ingest/otlp/source'
import { createTelemetryPipeline } from '../../ingest/telemetry/pipeline'
import { LocalTransport } from '../../server/bus/local'
import type { ClickHouse } from '../../server/clickhouse/client'
import { chQuery } from '../../server/clickhouse/exec'
import { loadConfig } from '../../server/config'
import { logger } from '../../server/logger'
import { sleep } from '../../server/retry'
import { benchRecord } from '../ingest/events'
import { insertTotals, insertWindow, openStores, type InsertTotals } from '../ingest/phase'
import { cpuMicros, cpuWindow, peakRssMiB } from '../usage'

/** Rows in hop_events, as a reader of the console would see them. */
async function visible(ch: ClickHouse): Promise<number> {
  const { rows } = await chQuery<{ n: number }>(ch, { name: 'bench.otlp.visible', sql: `SELECT count() AS n FROM ${ch.database}.hop_events` })
  return rows[0]!.n
}

async function waitVisible(ch: ClickHouse, n: number): Promise<void> {
  while ((await visible(ch)) < n) await sleep(25)
}

function print(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`)
}

const [mode, ...args] = process.argv.slice(2)
const dataDir = mkdtempSync(join(tmpdir(), 'lt-bench-otlp-'))
const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...(mode === 'otlp' && { ADMIN_API_TOKEN: args[0] }) })
// The embedded mode's bus, without its 64 MiB per-partition cap: a producer far ahead of the
// pipeline must not lose records in a large run.
const transport = new LocalTransport({ maxPartitionBytes: 2 ** 30 })
const stores = await openStores(dataDir)
const deps = { transport, clickhouse: stores.ch, prisma: stores.db.prisma, config, logger }
try {
  if (mode === 'hops') {
    const [warmup, n] = [Number(args[0]), Number(args[1])]
    const pipeline = createTelemetryPipeline(deps)
    await pipeline.start()
    const producer = await transport.producer()
    // Serialised outside the clock, as the OTLP bodies are: the emitter's work, not ours.
    const records = Array.from({ length: warmup + n }, (_, i) => benchRecord(i))
    const chunk = 5000
    const send = async (from: number, to: number) => {
      for (let i = from; i < to; i += chunk) await producer.send(config.env.TELEMETRY_TOPIC, records.slice(i, Math.min(i + chunk, to)))
    }
    await send(0, warmup)
    await waitVisible(stores.ch, warmup)
    const [t0, c0, i0, cpu] = [performance.now(), cpuMicros(), await insertTotals(), cpuWindow()]
    await send(warmup, warmup + n)
    await waitVisible(stores.ch, warmup + n)
    const seconds = (performance.now() - t0) / 1000
    const cpuSeconds = (cpuMicros() - c0) / 1e6
    const where = cpu.stop(n)
    print({ hops: n, seconds, rate: Math.round(n / seconds), cpuSeconds, peakRssMiB: peakRssMiB(), ...insertWindow(i0, await insertTotals(), n, seconds), ...where })
    await pipeline.stop()
  } else if (mode === 'otlp') {
    const pipeline = createTelemetryPipeline({ ...deps, source: otlpRecordSource(config) })
    await pipeline.start()
    const server = await startOtlpHttpServer({ port: 0, host: '127.0.0.1', receiver: createOtlpReceiver(deps), logger })
    print({ port: (server.address() as AddressInfo).port })
    // `start` opens the measured window (after the parent's warm-up), `stop` closes it.
    let window: { t0: number; c0: number; i0: InsertTotals; rows0: number; cpu: ReturnType<typeof cpuWindow> } | undefined
    for await (const [line] of on(process, 'message', { close: ['disconnect'] })) {
      const [command, value] = String(line).trim().split(' ')
      if (command === 'start') {
        window = { t0: performance.now(), c0: cpuMicros(), i0: await insertTotals(), rows0: await visible(stores.ch), cpu: cpuWindow() }
        print({ started: true })
      } else if (command === 'wait') {
        await waitVisible(stores.ch, Number(value))
        print({ visible: await visible(stores.ch) })
      } else if (command === 'stop') {
        if (!window) throw new Error('stop before start')
        const rows = (await visible(stores.ch)) - window.rows0
        const where = window.cpu.stop(rows)
        print({ cpuSeconds: (cpuMicros() - window.c0) / 1e6, peakRssMiB: peakRssMiB(), ...insertWindow(window.i0, await insertTotals(), rows, (performance.now() - window.t0) / 1000), ...where })
        break
      }
    }
    await new Promise((done) => server.close(done))
    await pipeline.stop()
  } else throw new Error(`unknown mode ${mode}`)
} finally {
  await transport.close()
  await stores.close()
  rmSync(dataDir, { recursive: true, force: true })
}
process.exit(0)
