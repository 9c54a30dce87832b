/**
 * `npm start` (role all: console + ingest worker + simulator in one process, building first when
 * the sources changed) and `npm run web` (role web: the console alone, against server stores).
 * One process owns the embedded stores: chDB and PGlite allow a single owner per data directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { isIPv6 } from 'node:net'
import { setPriority } from 'node:os'
import { join, resolve } from 'node:path'
import next from 'next'
import { simulatorOptionsFromEnv } from '../simulator/options'
import { startSimulator, type SimulatorHandle } from '../simulator/start'
import { DEMO_TAPS_FILE } from '../simulator/tapped'
import { serveOtlp } from '../ingest/otlp/http-server'
import { startWorker, type Worker } from '../ingest/worker'
import { isTopicPattern } from '../server/domain/topics'
import { tapGroupId } from '../ingest/taps/source'
import { stampClientAddress } from '../server/auth/client-address'
import { closeTransport, getTransport } from '../server/bus'
import type { Transport } from '../server/bus/port'
import { loadConfigOrExit, type ProcessRole } from '../server/config'
import { EMBEDDED_ADMIN_TOKEN_FILE } from '../server/embedded-secrets'
import { addressMatcher } from '../server/http/cidr'
import { strictTransportSecurity } from '../server/http/strict-transport'
import { logger } from '../server/logger'
import { closeRuntime, createRuntime, installRuntime, type Runtime } from '../server/runtime'
import { sleep } from '../server/retry'
import { DEMO_USERS, seedDemo, seedPlants } from '../server/services/plants/seed'
import { buildIsCurrent, writeBuildStamp } from './build-stamp'

const role: ProcessRole = process.argv.includes('--role=web') ? 'web' : 'all'
process.env.LINETRACE_ROLE = role
let config = loadConfigOrExit(role)
const root = process.cwd()
// SIMULATOR_* settings are checked before the build, so a typo fails in a second, not a minute.
const simulatorOptions = (() => {
  if (!config.simulator || role !== 'all') return undefined
  try {
    return simulatorOptionsFromEnv()
  } catch (error) {
    process.stderr.write(`linetrace: ${(error as Error).message}\n`)
    process.exit(1)
  }
})()
// The simulator's tapped plants publish no hop events: without a TAPS_FILE of the operator's, the
// default tap set maps their topics. Set as if given, so every part of this process reading the
// configuration (the worker's taps, the console's read-only file taps) sees the same file.
if (simulatorOptions?.tappedPlants?.length && !config.env.TAPS_FILE) {
  process.env.TAPS_FILE = join(root, DEMO_TAPS_FILE)
  config = loadConfigOrExit(role)
  logger.info({ tapsFile: process.env.TAPS_FILE, tappedPlants: simulatorOptions.tappedPlants }, 'TAPS_FILE: the default tap set of the simulator\'s tapped plants')
}

function run(command: string, args: string[], what: string) {
  logger.info(`${what}…`)
  const result = spawnSync(process.execPath, [command, ...args], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' } })
  if (result.status !== 0) {
    logger.fatal(`${what} failed (exit ${result.status}); see the output above`)
    process.exit(1)
  }
}

let building: ChildProcess | undefined
/**
 * The console's production build, in a child process while this one opens the stores and starts
 * the worker and the simulator: a first start writes its backfill while the console compiles (the
 * build leaves a core idle in its single-threaded phases). Without its type check (next.config.js).
 */
function buildConsole(): Promise<void> {
  const what = 'Building the console (first start or changed sources)'
  logger.info(`${what}; the worker and the simulator start meanwhile…`)
  const env = { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', LINETRACE_BUILD_TYPECHECK: 'skip', LINETRACE_BUILD_CACHE: 'off' } as NodeJS.ProcessEnv
  const child = spawn(process.execPath, ['node_modules/next/dist/bin/next', 'build'], { stdio: ['ignore', 'inherit', 'inherit'], env })
  building = child
  // Below the backfill: the simulator and the worker run on this process's one JavaScript thread,
  // while the build spreads over every core; lowered right after the spawn, before the build starts
  // its threads (they inherit it).
  try {
    if (child.pid !== undefined) setPriority(child.pid, 10)
  } catch {
    // Gone already (its exit is reported below), or not allowed here: it only builds slower.
  }
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      building = undefined
      if (code === 0) resolve()
      else reject(new Error(`${what} failed (${signal ? `signal ${signal}` : `exit ${code}`}); see the output above`))
    })
  })
}

if (!existsSync('server/db/generated/client.ts')) run('scripts/prisma-generate.mjs', [], 'Generating the Prisma client')
const build = buildIsCurrent(root) ? undefined : buildConsole()
// Reported once awaited, below; until then a failure must not count as unhandled.
build?.catch(() => undefined)

/**
 * The older part of a first start's history may take 60 % of the JavaScript thread the console,
 * the worker and the replay resolver share with it (simulator/loop-share.ts; simulator README).
 */
const OLDER_HISTORY_SHARE = 0.6

// What is running, for shutdown (a signal may come while the console is still building).
let worker: Worker | undefined
let simulator: SimulatorHandle | undefined
let otlpServer: Server | undefined
/** The stores, once open. */
const opened: { runtime?: Runtime } = {}
/** The console, once built and listening. */
const serving: { app?: ReturnType<typeof next>; server?: Server } = {}
const consoleServing = (() => {
  let resolve: () => void = () => undefined
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
})()
let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  logger.info({ signal }, 'shutting down')
  setTimeout(() => void abandonStop(), 8_000).unref()
  building?.kill('SIGTERM')
  // No new OTLP exports: what was acknowledged is on the bus and drained below.
  otlpServer?.close()
  otlpServer?.closeIdleConnections()
  const { app, server } = serving
  if (server) {
    server.closeIdleConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  await app?.close?.()
  await stopServices()
  logger.info('stopped')
  process.exit(0)
}

/**
 * Never hang a deploy: what is still open 8 s after the signal is abandoned, except an operation
 * the embedded ClickHouse is running. Exiting under one crashes the engine (SIGSEGV; seen when a
 * stop came during a first start's backlog: the drain ran out of time and the worker was still
 * writing its last batches), and an insert ends within seconds, so the exit waits for it, 10 s at most.
 */
async function abandonStop() {
  logger.warn('still stopping 8 s after the signal: what is left is abandoned')
  const engine = opened.runtime?.clickhouse
  if (engine) await Promise.race([engine.idle(), sleep(10_000)])
  process.exit(0)
}

/** Producers first, then the worker (it finishes or abandons its batch without committing), then the stores. */
async function stopServices() {
  await simulator?.stop()
  // The in-process bus keeps records in memory only: let the worker store what was already produced
  // (a simulator posting whose success hop is lost would look stuck after the restart).
  if (worker && config.modes.transport === 'local') {
    const left = await worker.drain(5_000)
    if (left > 0) logger.warn({ records: left }, 'stopping with records not yet stored; the in-process bus loses them')
  }
  await worker?.stop()
  await closeTransport()
  await closeRuntime()
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))

const runtime = await createRuntime(config).catch((error: unknown) => {
  logger.fatal({ err: error }, 'could not open the stores')
  building?.kill('SIGTERM')
  process.exit(1)
})
opened.runtime = runtime
installRuntime(runtime)
if (config.demo) await seedDemo(runtime.db.prisma)
else await seedPlants(runtime.db.prisma)

// All-in-one: the worker shares this process's stores (chDB and PGlite allow one owner).
if (role === 'all') {
  const transport = getTransport(config)
  worker = await startWorker({
    config,
    clickhouse: runtime.clickhouse,
    prisma: runtime.db.prisma,
    transport,
    logger,
    alerts: { holdReason: () => (simulatorOptions && historyPending() ? 'the simulator is writing its history' : null) },
  })
  // runtime.config: in demo mode it holds the generated bootstrap token the receiver accepts.
  otlpServer = await serveOtlp({ config: runtime.config, transport, prisma: runtime.db.prisma, logger })
  if (simulatorOptions)
    simulator = await startSimulator({
      transport,
      config,
      options: simulatorOptions,
      logger: logger.child({ component: 'simulator' }),
      stateDir: `${config.env.DATA_DIR}/simulator`,
      backlog: ingestBacklog(transport),
      olderHistoryAfter: consoleServing.promise,
      olderHistoryShare: OLDER_HISTORY_SHARE,
    })
}

if (build) {
  try {
    await build
    writeBuildStamp(root)
  } catch (error) {
    // A signal stopped the build: shutdown() is stopping everything already.
    if (stopping) await new Promise<never>(() => undefined)
    logger.fatal((error as Error).message)
    await stopServices()
    process.exit(1)
  }
}

const app = next({ dev: false, dir: root, port: config.env.PORT })
serving.app = app
const handle = app.getRequestHandler()
await app.prepare()
const hsts = strictTransportSecurity(config.publicUrl)
const isTrustedProxy = addressMatcher(config.env.TRUSTED_PROXIES)
const server = createServer((req, res) => {
  // Before anything reads it: who is calling, from the connection (and trusted proxies' headers).
  stampClientAddress(req, isTrustedProxy)
  if (hsts) res.setHeader('Strict-Transport-Security', hsts)
  void handle(req, res)
})
serving.server = server
// Loopback unless HOST opens it up: the embedded demo has known logins and must not face the LAN.
server.listen(config.env.PORT, config.env.HOST, () => {
  const url = `http://${urlHost(config.env.HOST)}:${config.env.PORT}`
  logger.info({ url, host: config.env.HOST, publicUrl: config.publicUrl, role, modes: config.modes }, 'Linetrace is serving')
  consoleServing.resolve()
  if (config.demo) {
    // Demo credentials only exist in embedded mode; printed so a first-time user can sign in.
    const lines = DEMO_USERS.map((u) => `  ${u.role.padEnd(9)} ${u.email.padEnd(26)} ${u.password}${u.plants.length ? `  (plants ${u.plants.join(', ')})` : ''}`)
    const tokenSource = config.env.ADMIN_API_TOKEN ? 'ADMIN_API_TOKEN' : `kept in ${join(resolve(config.env.DATA_DIR), EMBEDDED_ADMIN_TOKEN_FILE)}`
    process.stdout.write(
      `\nLinetrace is running at ${url}\nDemo logins (embedded mode only):\n${lines.join('\n')}\n  REST bootstrap token: ${runtime.config.adminApiToken}  (${tokenSource})\n\n`,
    )
  }
})

/**
 * The simulator is still writing history: its backfill, or the older part beside the live run. Its
 * dead letters of days ago are open until their replays, written a little later, are ingested: the
 * "oldest over 24 h" warning fired in every plant of a first start without this.
 */
function historyPending(): boolean {
  const stats = simulator?.stats()
  const phase = stats?.phase ?? 'starting'
  return phase === 'starting' || phase === 'backfill' || stats?.writingOlderHistory === true
}

/** How a browser on this machine reaches the listening address (every-interface binds included). */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost'
  return isIPv6(host) ? `[${host}]` : host
}

/** The ingest worker's unstored telemetry (its groups' lag), for the simulator's backfill back-pressure. */
function ingestBacklog(transport: Transport): () => Promise<number> {
  const group = transport.consumer({ groupId: config.kafka.groupId, topics: [config.env.TELEMETRY_TOPIC] })
  // The simulator's OTLP plants (SIMULATOR_OTLP_PLANTS) write export requests of up to 512 spans to
  // OTLP_TOPIC, read by the worker's OTLP pipeline: counted as the hops they hold, by the mean the
  // simulator reports. Counting each as 512 (a request is taken per step, with a few dozen spans)
  // held the backfill back by a few hundred requests the worker was about to write.
  const otlp = transport.consumer({ groupId: `${config.kafka.groupId}-otlp`, topics: [config.env.OTLP_TOPIC] })
  // The tapped plants' business records, read by the file-declared taps (one record, one hop).
  const taps = config.taps.filter((t) => !isTopicPattern(t.topic)).map((t) => transport.consumer({ groupId: tapGroupId(t.name), topics: [t.topic] }))
  const records = (lags: { lag: number }[]) => lags.reduce((n, l) => n + l.lag, 0)
  return async () => {
    const [hops, requests, ...tapped] = await Promise.all([group.lag(), otlp.lag(), ...taps.map((c) => c.lag().catch(() => []))])
    const reported = simulator?.stats().otlp
    const spansPerRequest = reported?.requests ? reported.spans / reported.requests : 512
    return records(hops) + spansPerRequest * records(requests) + tapped.reduce((n, lags) => n + records(lags), 0)
  }
}

