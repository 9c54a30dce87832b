import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { TestProject } from 'vitest/node'

/**
 * Vitest global setup: one real Kafka broker (scripts/kafka/kafka.mjs) per test run, on a free port
 * with its data in a temporary directory, stopped and deleted at teardown. Tests read its address
 * with `inject('kafkaBrokers')` and create their own topics (see `uniqueTopic`).
 *
 * KAFKA_TEST_BROKERS=host:port uses a broker that is already running instead (no start, no stop):
 * handy while iterating on Kafka tests, since a start takes 5-15 s on two cores.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string
  }
}

const script = resolve(import.meta.dirname, '../../../scripts/kafka/kafka.mjs')
const PREFIX = 'linetrace-kafka-test-'

function kafkaScript(arg: '--background' | '--stop', env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [script, arg], { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) fail(new Error(`kafka.mjs ${arg} failed (${error.message.split('\n')[0]}):\n${stdout}${stderr}`))
      else done()
    })
  })
}

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer()
    server.once('error', () => done(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => done(true)))
  })
}

/** A port p with p+1 free too (the KRaft controller's), below the ephemeral range and away from 9092. */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + 2 * Math.floor(Math.random() * 6_000)
    if ((await portFree(port)) && (await portFree(port + 1))) return port
  }
  throw new Error('no free pair of ports found for the test broker')
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Brokers of earlier runs killed outright (SIGKILL, SIGHUP): stop them, or they pile up (512 MiB each). */
async function reapOrphans(): Promise<void> {
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX))) {
    const dataDir = join(tmpdir(), name)
    let owner = 0
    try {
      owner = Number(readFileSync(join(dataDir, 'owner.pid'), 'utf8'))
    } catch {
      continue // not ours to judge (being created right now, or foreign)
    }
    if (owner && alive(owner)) continue
    await kafkaScript('--stop', { ...process.env, DATA_DIR: dataDir }).catch(() => {})
    rmSync(dataDir, { recursive: true, force: true })
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const external = process.env.KAFKA_TEST_BROKERS
  if (external) {
    project.provide('kafkaBrokers', external)
    return
  }
  await reapOrphans()
  const port = await freePortPair()
  const dataDir = mkdtempSync(join(tmpdir(), PREFIX))
  writeFileSync(join(dataDir, 'owner.pid'), String(process.pid))
  const env = { ...process.env, KAFKA_PORT: String(port), DATA_DIR: dataDir }
  // Ctrl-C or SIGTERM: vitest exits at once without running teardowns, but it does exit through
  // process.exit(), whose 'exit' handlers may still run a child process synchronously.
  const stopOnExit = () => {
    try {
      execFileSync(process.execPath, [script, '--stop'], { env, stdio: 'ignore' })
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
  process.once('exit', stopOnExit)
  const teardown = async () => {
    process.off('exit', stopOnExit)
    try {
      await kafkaScript('--stop', env)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
  try {
    await kafkaScript('--background', env)
  } catch (error) {
    await teardown().catch(() => {})
    throw error
  }
  project.provide('kafkaBrokers', `127.0.0.1:${port}`)
  return teardown
}
