#!/usr/bin/env node
// A single-node Apache Kafka (KRaft) broker for development, tests and CI: Apache's own jars from
// Maven Central, no Docker, no home-made broker.
//
//   node scripts/kafka/kafka.mjs               foreground, logs to stdout, Ctrl-C / SIGTERM stops it
//   node scripts/kafka/kafka.mjs --background  start detached, wait until it answers, exit 0
//   node scripts/kafka/kafka.mjs --stop        stop the broker of this DATA_DIR (exit 0 if none)
//   node scripts/kafka/kafka.mjs --status      exit 0 if it runs, 1 if not
//
// Environment: KAFKA_PORT (9092; the KRaft controller listens on KAFKA_PORT+1), DATA_DIR (.data:
// topics in DATA_DIR/kafka, plus kafka.properties, kafka.pid, kafka.log beside it), KAFKA_LOG_LEVEL
// (WARN), KAFKA_HEAP_OPTS (-Xmx512m), KAFKA_CACHE_DIR (where the jars are kept, see below).
//
// The Kafka version is pinned in pom.xml. Its jars are fetched once with Maven into
// ~/.cache/linetrace/kafka-<version>-<pom hash>/libs: outside the work tree, so `git clean` does not
// throw away ~45 MB, and shared by every clone and worktree on the machine. The pom's hash in the
// name makes a changed pom fetch afresh instead of running from a stale set of jars.
//
// Beside this CLI: settings.mjs (environment, paths), jars.mjs (Java, Maven, the jars), config.mjs
// (properties, JVM arguments, storage format), processes.mjs (pid file, stop, start lock) and
// readiness.mjs (ports, waiting until the broker serves).
import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs'
import { formatStorage, javaArgs, writeProperties } from './config.mjs'
import { checkTools, fetchJars } from './jars.mjs'
import { isOurJava, runningBroker, stopPid, withStartLock, writePid } from './processes.mjs'
import { checkPorts, waitReady } from './readiness.mjs'
import { BOOTSTRAP, dataDir, Fatal, HOST, logDirs, logFile, pidFile, PORT, propsFile, VERSION } from './settings.mjs'

async function prepare() {
  await checkPorts()
  checkTools()
  fetchJars()
  writeProperties()
  formatStorage()
}

function alreadyRunning(info) {
  if (info.port !== PORT) {
    throw new Fatal(`Kafka from ${dataDir} already runs on port ${info.port} (pid ${info.pid}), not ${PORT}: stop it first (--stop)`)
  }
  return `Kafka ${info.version} already runs at ${HOST}:${info.port} (pid ${info.pid}, data ${logDirs})`
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

// --- commands ------------------------------------------------------------------------------------

async function foreground() {
  const child = await withStartLock(async () => {
    const info = runningBroker()
    if (info) throw new Fatal(`${alreadyRunning(info)}; use --stop to stop it`)
    await prepare()
    const child = spawn('java', javaArgs('kafka.Kafka', propsFile), { stdio: 'inherit' })
    writePid(child.pid)
    return child
  })
  let stopping = false
  // Ctrl-C reaches the JVM directly too (same process group); forwarding covers `kill <node pid>`.
  // Kafka's shutdown hook then closes the logs cleanly.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => { stopping = true; child.kill(signal) })
  }
  let exit = null
  child.on('exit', (code, signal) => {
    exit = ` (exit ${code ?? signal})`
    rmSync(pidFile, { force: true })
    if (stopping) console.log('Kafka stopped')
    process.exit(stopping ? 0 : code ?? 1)
  })
  waitReady(() => exit)
    .then(() => console.log(`Kafka ${VERSION} ready at ${BOOTSTRAP} (data ${logDirs}); Ctrl-C stops it`))
    .catch((err) => console.error(err.message))
}

async function background() {
  await withStartLock(async () => {
    const info = runningBroker()
    if (info) {
      console.log(alreadyRunning(info))
      await waitReady(() => (isOurJava(info.pid) ? null : ' (it stopped)')) // it may still be starting
      return
    }
    await prepare()
    const out = openSync(logFile, 'w') // this run's log only; the previous run's is overwritten
    // detached: own session, so it outlives this script and the terminal; stdio is the log file
    // only, so a caller waiting on our stdout (execFileSync in a test setup) is not held by the JVM.
    const child = spawn('java', javaArgs('kafka.Kafka', propsFile), { detached: true, stdio: ['ignore', out, out] })
    closeSync(out)
    child.unref()
    writePid(child.pid)
    let exit = null
    child.on('exit', (code, signal) => { exit = ` (exit ${code ?? signal})` })
    try {
      await waitReady(() => exit)
    } catch (err) {
      if (!exit) await stopPid(child.pid)
      rmSync(pidFile, { force: true })
      throw new Fatal(`${err.message}. Last lines of ${logFile}:\n${tail(logFile)}`)
    }
    console.log(`Kafka ${VERSION} ready at ${BOOTSTRAP} (pid ${child.pid}, data ${logDirs}, log ${logFile})`)
  })
}

async function stop() {
  const info = runningBroker()
  if (!info) {
    console.log(`Kafka is not running (DATA_DIR ${dataDir})`)
    return
  }
  await stopPid(info.pid)
  rmSync(pidFile, { force: true })
  console.log(`Kafka stopped (pid ${info.pid})`)
}

function status() {
  const info = runningBroker()
  if (!info) {
    console.log(`Kafka is not running (DATA_DIR ${dataDir})`)
    return 1
  }
  console.log(`Kafka ${info.version} runs at ${HOST}:${info.port} (pid ${info.pid}, since ${info.startedAt}, data ${logDirs})`)
  return 0
}

const commands = {
  '': foreground,
  '--background': background,
  '--stop': stop,
  '--status': status,
}
const arg = process.argv[2] ?? ''
if (!(arg in commands) || process.argv.length > 3) {
  console.error('usage: node scripts/kafka/kafka.mjs [--background|--stop|--status]')
  process.exit(2)
}
if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65534) {
  console.error(`KAFKA_PORT must be a port number, got ${process.env.KAFKA_PORT}`)
  process.exit(2)
}
try {
  const code = await commands[arg]()
  if (arg !== '') process.exit(code ?? 0)
} catch (err) {
  console.error(err instanceof Fatal ? err.message : err)
  process.exit(1)
}
