/**
 * `npm run simulate -- [options]`: the plant simulator and reference hub against Kafka
 * (KAFKA_BROKERS). Inside `npm start` the same simulator runs on the in-process bus instead
 * (startSimulator in simulator.ts).
 */
import { connect } from 'node:net'
import { parseArgs } from 'node:util'
import { createTransport } from '../server/bus'
import { ConfigError, loadConfig } from '../server/config'
import { logger } from '../server/logger'
import { parsePlantList, parseSimulatorOptions, type SimulatorOptionsInput } from './options'
import { startSimulator } from './start'
import type { SimulatorStats } from './stats'

const HELP = `Linetrace plant simulator and reference integration hub (Kafka)

Usage: npm run simulate -- [options]

Simulates plants (lines, work orders, equipment states and counts, three shifts with end-of-shift
peaks), their MES/WMS/QMS traffic, a middleware hub that posts to a simulated ERP (retries,
dependency waits, dead letters in Spring Kafka, Kafka Connect and the hub's own conventions), and
reports every hop as a hop event on the telemetry topic (or, for --otlp-plants, the hub's and ERP
adapter's hops as OpenTelemetry spans on the OTLP topic). Same seed and start, same traffic.

Options:
  --plants <n>            plants to simulate (default 5: the demo plants 1000, 1100, 2000, 2100,
                          3000; more are generated: 4000, 4100, ...)
  --lines <n>             production lines per plant (default 8)
  --rate <tx/s>           business transactions per second across all plants, off-peak on a working
                          day (default 3); the last 30 min of a shift confirm at 3x, days without
                          shifts run at --weekend-factor
  --duration <time>       how long to run live after any backfill: seconds, or 30s, 10m, 2h
                          (default: until Ctrl-C; 0 = stop after the backfill)
  --seed <n>              seed of everything random (default 1): plants, materials, traffic, ids
  --scenario <name>       normal     2% of first posting attempts fail (default)
                          bad-day    8-15% fail, slower ERP, more breakdowns
                          month-start  every posting fails M7/053 until the new period opens
                                     (--period-opens-after), then operators bulk-replay
  --backfill <time>       write this much history first (e.g. 7d, 12h) in accelerated time, with
                          past timestamps, then go live
  --backfill-rate <tx/s>  transaction rate of the history (default: --rate)
  --backfill-recent <time>  write the newest part of the history first (e.g. 2d), the rest after,
                          while live (default 0: oldest first)
  --max-eps <n>           records per second while faster than real time (default 20000), so the
                          ingest worker keeps up
  --start <time>          simulated start, RFC 3339 (default now; ignored with --backfill)
  --clock <mode>          realtime (default) or virtual: run --duration as fast as --max-eps allows;
                          without --start a virtual run covers the --duration that ends now (Kafka
                          rejects timestamps more than an hour ahead)
  --no-showcase           skip the start-up burst that shows every flow (A-I) and error category
                          within ~12 s
  --no-operators          no simulated operators replaying dead letters after fixes
  --operator-delay <min>  simulated operators react at least this long after a fix (default 45)
  --weekend-factor <0-1>  activity on days without shifts (weekends at the demo plants), as a share
                          of a working day (default 0.5; 1 = the same rate every day)
  --peak-factor <x>       confirmation rate in the last 30 min of a shift, times the usual (default 3)
  --period-opens-after <min>  month-start: the first company code opens its period after this
                          (default 15; the next ones 5 min apart)
  --otlp-plants <codes>   plants whose hub and ERP adapter report through OpenTelemetry instead of
                          hop events, e.g. 2100 or 2100,3000 (default none; npm start: 2100, set
                          SIMULATOR_OTLP_PLANTS=none to turn it off): real OTel SDK spans
                          (services plant-<code>-hub, erp-adapter-<code>) as OTLP/protobuf export
                          requests on OTLP_TOPIC (lt.otlp), mapped by the ingest worker
  --tapped-plants <codes> plants that report no hop events at all, e.g. 3000 (default none; npm
                          start: 3000, SIMULATOR_TAPPED_PLANTS=none to turn it off): their MES, hub
                          and ERP publish business records on plant<code>.mes.confirmations,
                          .mes.goodsissues, .hub.postings and .erp.acks, for topic taps
                          (simulator/taps/demo-taps.yaml maps them)
  --topic-prefix <p>      prefix of the hub's source and dead-letter topics (default lt)
  --telemetry-topic <t>   hop-event topic (default TELEMETRY_TOPIC, lt.telemetry)
  --partitions <n>        partitions of the source and dead-letter topics it creates (default 3)
  --stats-every <s>       progress line interval in seconds (default 5; 0 = none)
  -h, --help              this text

Topics (prefix lt): telemetry lt.telemetry (key = correlation_id); per plant a hub source topic
lt.hub.<plant>.in and a dead-letter topic by the plant's convention:
  Spring Kafka    lt.hub.<plant>.in-dlt              plants 1000, 2100
  Kafka Connect   lt.connect.erp-sink-<plant>.dlq    plants 1100, 3000
  hub's own       lt.hub.<plant>.dlq                 plant 2000
Replays produced to a source topic (x-replay-* headers) are processed like live traffic.

Environment: KAFKA_BROKERS (default 127.0.0.1:9092, the broker of npm run kafka), KAFKA_CLIENT_ID, KAFKA_SSL, KAFKA_SASL_*, TELEMETRY_TOPIC,
TELEMETRY_PARTITIONS, OTLP_TOPIC, LOG_LEVEL. See simulator/README.md.
`

function fail(message: string): never {
  process.stderr.write(`simulate: ${message}\n(npm run simulate -- --help lists the options)\n`)
  process.exit(2)
}

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n)) fail(`--${name} must be a number, got "${value}"`)
  return n
}

function parseCli(argv: string[]): { options: SimulatorOptionsInput; statsEvery: number } {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof FLAGS; allowPositionals: false; args: string[] }>>
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, allowPositionals: false })
  } catch (error) {
    fail((error as Error).message)
  }
  const v = parsed.values
  if (v.help) {
    process.stdout.write(HELP)
    process.exit(0)
  }
  const options: SimulatorOptionsInput = {
    plants: number('plants', v.plants),
    lines: number('lines', v.lines),
    rate: number('rate', v.rate),
    seed: v.seed,
    scenario: v.scenario as SimulatorOptionsInput['scenario'],
    start: v.start,
    clock: v.clock as SimulatorOptionsInput['clock'],
    backfill: v.backfill,
    backfillRate: number('backfill-rate', v['backfill-rate']),
    backfillRecent: v['backfill-recent'],
    maxEventsPerSecond: number('max-eps', v['max-eps']),
    showcase: v['no-showcase'] ? false : undefined,
    operators: v['no-operators'] ? false : undefined,
    operatorDelayMinutes: number('operator-delay', v['operator-delay']),
    weekendFactor: number('weekend-factor', v['weekend-factor']),
    peakFactor: number('peak-factor', v['peak-factor']),
    periodOpensAfterMinutes: number('period-opens-after', v['period-opens-after']),
    topicPrefix: v['topic-prefix'],
    telemetryTopic: v['telemetry-topic'],
    partitions: number('partitions', v.partitions),
    otlpPlants: v['otlp-plants'] === undefined ? undefined : parsePlantList(v['otlp-plants']),
    tappedPlants: v['tapped-plants'] === undefined ? undefined : parsePlantList(v['tapped-plants']),
  }
  // The schema reads a bare number as seconds, like this flag.
  if (v.duration !== undefined) options.duration = v.duration
  for (const k of Object.keys(options) as (keyof SimulatorOptionsInput)[]) if (options[k] === undefined) delete options[k]
  try {
    parseSimulatorOptions(options)
  } catch (error) {
    fail((error as Error).message)
  }
  return { options, statsEvery: number('stats-every', v['stats-every']) ?? 5 }
}

const FLAGS = {
  plants: { type: 'string' },
  lines: { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  seed: { type: 'string' },
  scenario: { type: 'string' },
  backfill: { type: 'string' },
  'backfill-rate': { type: 'string' },
  'backfill-recent': { type: 'string' },
  'max-eps': { type: 'string' },
  start: { type: 'string' },
  clock: { type: 'string' },
  'no-showcase': { type: 'boolean' },
  'no-operators': { type: 'boolean' },
  'operator-delay': { type: 'string' },
  'weekend-factor': { type: 'string' },
  'peak-factor': { type: 'string' },
  'period-opens-after': { type: 'string' },
  'topic-prefix': { type: 'string' },
  'telemetry-topic': { type: 'string' },
  partitions: { type: 'string' },
  'otlp-plants': { type: 'string' },
  'tapped-plants': { type: 'string' },
  'stats-every': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

function progressLine(s: SimulatorStats, wallStart: number, lastEvents: { n: number; at: number }): string {
  const now = Date.now()
  const eps = now > lastEvents.at ? Math.round(((s.hopEvents - lastEvents.n) / (now - lastEvents.at)) * 1000) : 0
  lastEvents.n = s.hopEvents
  lastEvents.at = now
  const dl = Object.entries(s.deadLetters.byTopic)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ')
  return (
    `[${s.phase} ${Math.round((now - wallStart) / 1000)}s] sim ${s.simTime} | tx ${s.transactions} (${s.achievedRate}/s) | ` +
    `hop events ${s.hopEvents} (${eps}/s) | ERP docs ${s.erpDocuments} | waiting on stock ${s.hub.waiting} | dead letters ${s.deadLetters.total}${dl ? ` (${dl})` : ''}\n`
  )
}

const DEV_BROKER = '127.0.0.1:9092'

/** A TCP connect within 3 s: fails fast instead of letting the client retry for minutes. */
function answers(hostPort: string): Promise<boolean> {
  const i = hostPort.lastIndexOf(':')
  return new Promise((done) => {
    const socket = connect({ host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)), timeout: 3_000 })
    const finish = (ok: boolean) => {
      socket.destroy()
      done(ok)
    }
    socket.once('connect', () => finish(true))
    socket.once('timeout', () => finish(false))
    socket.once('error', () => finish(false))
  })
}

async function main(): Promise<void> {
  const { options, statsEvery } = parseCli(process.argv.slice(2))
  // Without KAFKA_BROKERS the CLI talks to the dev broker of `npm run kafka` (inside `npm start` the
  // simulator runs on the in-process bus instead).
  const env = { ...process.env }
  if (!env.KAFKA_BROKERS?.trim()) {
    env.KAFKA_BROKERS = DEV_BROKER
    process.stderr.write(`KAFKA_BROKERS is not set: using the local dev broker ${DEV_BROKER} (npm run kafka)\n`)
  }
  let config
  try {
    config = loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message)
    throw error
  }
  const first = config.kafka.brokers[0]!
  if (!(await answers(first)))
    fail(`no Kafka broker answers at ${first}: start one with \`npm run kafka -- --background\` or set KAFKA_BROKERS`)

  const transport = createTransport(config)
  const handle = await startSimulator({ transport, config, options, logger: logger.child({ component: 'simulator' }) }).catch(async (error: unknown) => {
    await transport.close().catch(() => {})
    fail((error as Error).message)
  })
  const wallStart = Date.now()
  const last = { n: 0, at: wallStart }
  const ticker = statsEvery > 0 ? setInterval(() => process.stderr.write(progressLine(handle.stats(), wallStart, last)), statsEvery * 1000) : undefined

  let exitCode = 0
  const finish = async () => {
    if (ticker) clearInterval(ticker)
    await handle.stop()
    await transport.close()
    const s = handle.stats()
    process.stderr.write(progressLine(s, wallStart, last))
    process.stderr.write(
      `done: ${s.transactions} transactions, ${s.hopEvents} hop events on ${s.topics.telemetry}, ${s.deadLetters.total} dead letters, ` +
        `${s.erpDocuments} ERP documents, ${s.hub.replays} replays received\n`,
    )
    process.exit(exitCode)
  }
  let finishing: Promise<void> | undefined
  const onSignal = () => {
    finishing ??= finish()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  handle.done.then(onSignal, (error: unknown) => {
    process.stderr.write(`simulate: stopped by an error: ${(error as Error).message}\n`)
    exitCode = 1
    onSignal()
  })
}

await main()
