/**
 * `npm start` (role all: console + ingest worker + simulator in one process, building first when
 * the sources changed) and `npm run web` (role web: the console alone, against server stores).
 * One process owns the embedded stores: chDB and PGlite allow a single owner per data directory.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import next from 'next'
import { simulatorOptionsFromEnv } from '../simulator/options'
import { startSimulator, type SimulatorHandle } from '../simulator/simulator'
import { startWorker, type Worker } from '../ingest/worker'
import { closeTransport, getTransport } from '../server/bus'
import { loadConfigOrExit, type ProcessRole } from '../server/config'
import { logger } from '../server/logger'
import { closeRuntime, createRuntime, installRuntime } from '../server/runtime'
import { DEMO_USERS, seedDemo, seedPlants } from '../server/services/plants/seed'
import { buildIsCurrent, writeBuildStamp } from './build-stamp'

const role: ProcessRole = process.argv.includes('--role=web') ? 'web' : 'all'
process.env.LINETRACE_ROLE = role
const config = loadConfigOrExit(role)
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

function run(command: string, args: string[], what: string) {
  logger.info(`${what}…`)
  const result = spawnSync(process.execPath, [command, ...args], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' } })
  if (result.status !== 0) {
    logger.fatal(`${what} failed (exit ${result.status}); see the output above`)
    process.exit(1)
  }
}

if (!existsSync('server/db/generated/client.ts')) run('scripts/prisma-generate.mjs', [], 'Generating the Prisma client')
if (!buildIsCurrent(root)) {
  run('node_modules/next/dist/bin/next', ['build'], 'Building the console (first start or changed sources)')
  writeBuildStamp(root)
}

const runtime = await createRuntime(config).catch((error: unknown) => {
  logger.fatal({ err: error }, 'could not open the stores')
  process.exit(1)
})
installRuntime(runtime)
if (config.demo) await seedDemo(runtime.db.prisma)
else await seedPlants(runtime.db.prisma)

// All-in-one: the worker shares this process's stores (chDB and PGlite allow one owner).
let worker: Worker | undefined
let simulator: SimulatorHandle | undefined
if (role === 'all') {
  const transport = getTransport(config)
  worker = await startWorker({ config, clickhouse: runtime.clickhouse, prisma: runtime.db.prisma, transport, logger })
  if (simulatorOptions) simulator = await startSimulator({ transport, config, options: simulatorOptions, logger: logger.child({ component: 'simulator' }) })
}

const app = next({ dev: false, dir: root, port: config.env.PORT })
const handle = app.getRequestHandler()
await app.prepare()
const server = createServer((req, res) => void handle(req, res))
server.listen(config.env.PORT, () => {
  const url = `http://localhost:${config.env.PORT}`
  logger.info({ url, role, modes: config.modes }, 'Linetrace is serving')
  if (config.demo) {
    // Demo credentials only exist in embedded mode; printed so a first-time user can sign in.
    const lines = DEMO_USERS.map((u) => `  ${u.role.padEnd(9)} ${u.email.padEnd(26)} ${u.password}${u.plants.length ? `  (plants ${u.plants.join(', ')})` : ''}`)
    process.stdout.write(
      `\nLinetrace is running at ${url}\nDemo logins (embedded mode only):\n${lines.join('\n')}\n  REST bootstrap token: ${config.adminApiToken}\n\n`,
    )
  }
})

let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  logger.info({ signal }, 'shutting down')
  // Never hang a deploy: whatever is still open after 8 s is abandoned.
  setTimeout(() => process.exit(0), 8_000).unref()
  server.closeIdleConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await app.close?.()
  // Producers first, then the worker (it finishes or abandons its batch without committing), then the stores.
  await simulator?.stop()
  await worker?.stop()
  await closeTransport()
  await closeRuntime()
  logger.info('stopped')
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
