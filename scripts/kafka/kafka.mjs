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
import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const pom = readFileSync(join(here, 'pom.xml'), 'utf8')
const VERSION = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)[1]

const HOST = '127.0.0.1'
const PORT = Number(process.env.KAFKA_PORT || 9092)
const CONTROLLER_PORT = PORT + 1
const BOOTSTRAP = `${HOST}:${PORT}`
const START_TIMEOUT_MS = 120_000 // generous: a start takes 3-8 s on 2 cores, longer when they are busy
const STOP_TIMEOUT_MS = 30_000

const dataDir = resolve(process.env.DATA_DIR || '.data')
const logDirs = join(dataDir, 'kafka')
const propsFile = join(dataDir, 'kafka.properties')
const pidFile = join(dataDir, 'kafka.pid')
const logFile = join(dataDir, 'kafka.log')

const cacheRoot = process.env.KAFKA_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'linetrace')
const pomHash = createHash('sha256').update(pom).digest('hex').slice(0, 8)
const libsDir = join(cacheRoot, `kafka-${VERSION}-${pomHash}`, 'libs')

class Fatal extends Error {}

// --- prerequisites -------------------------------------------------------------------------------

function haveTool(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  return r.error?.code === 'ENOENT' ? null : `${r.stdout}${r.stderr}`
}

/** Java always; Maven only until the jars are cached. One line naming everything that is missing. */
function checkTools() {
  const java = haveTool('java', ['-version'])
  const missing = [!java && 'java', !jarsCached() && !haveTool('mvn', ['-v']) && 'mvn'].filter(Boolean)
  if (missing.length) {
    const pkgs = missing.map((m) => (m === 'java' ? 'openjdk-17-jre-headless' : 'maven')).join(' ')
    throw new Fatal(`${missing.join(' and ')} not found: install ${missing.length > 1 ? 'them' : 'it'} first (Debian: apt-get install -y ${pkgs})`)
  }
  const major = Number(/version "(?:1\.)?(\d+)/.exec(java)?.[1])
  if (major < 17) throw new Fatal(`Kafka ${VERSION} needs Java 17 or newer, found ${java.split('\n')[0]} (apt-get install -y openjdk-17-jre-headless)`)
}

const jarsCached = () => existsSync(join(libsDir, '.complete'))

/** Fetches Kafka's jars once; a temporary folder renamed at the end keeps a broken download from ever looking complete. */
function fetchJars() {
  if (jarsCached()) return
  console.log(`Fetching Apache Kafka ${VERSION} jars with Maven into ${libsDir} (first run only)...`)
  const tmp = `${libsDir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  const r = spawnSync('mvn', ['-B', '-q', '-Dstyle.color=never', '-f', join(here, 'pom.xml'),
    'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`], { encoding: 'utf8' })
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true })
    const tail = `${r.stdout}${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n').slice(-25).join('\n')
    throw new Fatal(`Maven could not fetch Kafka ${VERSION} (exit ${r.status ?? r.signal}):\n${tail}`)
  }
  writeFileSync(join(tmp, '.complete'), `${VERSION}\n`)
  rmSync(libsDir, { recursive: true, force: true }) // an incomplete folder left by an older script
  try {
    renameSync(tmp, libsDir)
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true }) // another start won the race: use its jars
    if (!existsSync(join(libsDir, '.complete'))) throw err
  }
}

// --- the broker process --------------------------------------------------------------------------

function writeProperties() {
  mkdirSync(logDirs, { recursive: true })
  const text = readFileSync(join(here, 'server.properties'), 'utf8')
    .replaceAll('{{PORT}}', String(PORT))
    .replaceAll('{{CONTROLLER_PORT}}', String(CONTROLLER_PORT))
    .replaceAll('{{LOG_DIRS}}', logDirs)
  writeFileSync(propsFile, text)
}

function javaArgs(mainClass, ...args) {
  return [
    ...(process.env.KAFKA_HEAP_OPTS || '-Xmx512m').split(/\s+/).filter(Boolean),
    // Kafka's own kafka-run-class.sh defaults, plus dying on OOM rather than limping on.
    '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(here, 'log4j2.properties')}`,
    // Unused by Kafka; they let this script recognise its brokers in the process list.
    `-Dlinetrace.kafka.port=${PORT}`, `-Dlinetrace.kafka.version=${VERSION}`,
    '-cp', join(libsDir, '*'), mainClass, ...args,
  ]
}

/** Formats the storage once; meta.properties then holds the cluster id for every later start. */
function formatStorage() {
  if (existsSync(join(logDirs, 'meta.properties'))) return
  // A Kafka Uuid is 16 random bytes in URL-safe base64; Kafka avoids a leading '-' (reads as an option).
  let clusterId
  do clusterId = randomBytes(16).toString('base64url')
  while (clusterId.startsWith('-'))
  // --standalone: this node is the sole voter of a dynamic (KIP-853) quorum; 4.x's way for one node.
  const r = spawnSync('java', javaArgs('kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile, '--standalone'), { encoding: 'utf8' })
  if (r.status !== 0) throw new Fatal(`Formatting ${logDirs} failed:\n${r.stdout}${r.stderr}`)
}

/**
 * The broker of this DATA_DIR if it is alive, else null. A stale pid file is removed; a missing one
 * (deleted while the broker ran) is rebuilt from the process list, so --stop still finds the broker.
 */
function runningBroker() {
  let info = null
  try {
    info = JSON.parse(readFileSync(pidFile, 'utf8'))
  } catch {
    // none, or unreadable
  }
  if (info && isOurJava(info.pid)) return info
  rmSync(pidFile, { force: true })
  const found = brokerProcesses().find((b) => b.dir === dataDir)
  if (!found) return null
  return writePid(found.pid, found.port, found.version)
}

/** Every broker JVM started by this script on this machine, from its command line (Linux only). */
function brokerProcesses() {
  const found = []
  let pids = []
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return found
  }
  for (const pid of pids) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      const prop = (name) => args.find((a) => a.startsWith(`-D${name}=`))?.slice(name.length + 3)
      if (!args.includes('kafka.Kafka') || !prop('linetrace.kafka.port')) continue
      const dir = dirname(args[args.indexOf('kafka.Kafka') + 1])
      found.push({ pid: Number(pid), port: Number(prop('linetrace.kafka.port')), version: prop('linetrace.kafka.version'), dir })
    } catch {
      // gone meanwhile
    }
  }
  return found
}

/** Alive and really our JVM: a pid from a stale file may belong to an unrelated process by now. */
function isOurJava(pid) {
  if (!Number.isInteger(pid)) return false
  try {
    // A zombie (dead, not yet reaped) has an empty cmdline, so it counts as stopped too.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    return cmdline.includes('kafka.Kafka') && cmdline.includes(propsFile)
  } catch {
    if (existsSync('/proc/self')) return false // Linux: no such process
    try {
      process.kill(pid, 0) // no /proc (macOS): trust the pid
      return true
    } catch {
      return false
    }
  }
}

function portFree(port) {
  return new Promise((done) => {
    const server = createServer()
    server.once('error', () => done(false))
    server.listen({ port, host: HOST, exclusive: true }, () => server.close(() => done(true)))
  })
}

async function checkPorts() {
  for (const port of [PORT, CONTROLLER_PORT]) {
    if (await portFree(port)) continue
    const other = brokerProcesses().find((b) => b.port === port || b.port + 1 === port)
    if (other) {
      throw new Fatal(`Port ${port} is held by the broker of another DATA_DIR (pid ${other.pid}, ${other.dir}), ` +
        `left running by another clone or an earlier test run? Stop it: DATA_DIR=${other.dir} node scripts/kafka/kafka.mjs --stop`)
    }
    throw new Fatal(`Port ${port} on ${HOST} is in use by another process: stop it (ss -ltnp 'sport = :${port}' shows ` +
      'which) or set KAFKA_PORT (the controller uses KAFKA_PORT+1).')
  }
}

function tcpOpen(port) {
  return new Promise((done) => {
    const socket = createConnection({ host: HOST, port, timeout: 1000 })
    socket.once('connect', () => { socket.destroy(); done(true) })
    socket.once('error', () => done(false))
    socket.once('timeout', () => { socket.destroy(); done(false) })
  })
}

/**
 * Ready means real client calls succeed, not just an open port: kafkajs admin listTopics(). Then it
 * warms what a fresh broker sets up lazily, so that a test's first consumer group or idempotent
 * producer does not wait for it (nor kafkajs log "coordinator is loading" errors): a group look-up
 * creates __consumer_offsets, an idempotent producer's InitProducerId allocates producer ids.
 */
async function waitReady(hasExited) {
  const { Kafka, logLevel } = await import('kafkajs').catch(() => {
    throw new Fatal('kafkajs is not installed: run npm install first')
  })
  const kafka = new Kafka({ clientId: 'linetrace-kafka-script', brokers: [BOOTSTRAP], logLevel: logLevel.NOTHING,
    connectionTimeout: 1000, requestTimeout: 5000, retry: { retries: 0 } })
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (hasExited()) throw new Fatal(`Kafka exited during start-up${hasExited()}`)
    if (await tcpOpen(PORT)) {
      const admin = kafka.admin()
      // (kafkajs refuses an idempotent producer without retries)
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } })
      try {
        await admin.connect()
        await admin.listTopics()
        await admin.describeGroups(['linetrace-kafka-ready'])
        await producer.connect()
        return
      } catch {
        // not serving yet (e.g. the broker is still catching up with its own metadata log)
      } finally {
        await Promise.all([admin.disconnect(), producer.disconnect()]).catch(() => {})
      }
    }
    if (Date.now() > deadline) throw new Fatal(`Kafka did not answer on ${BOOTSTRAP} within ${START_TIMEOUT_MS / 1000} s`)
    await sleep(250)
  }
}

async function prepare() {
  await checkPorts()
  checkTools()
  fetchJars()
  writeProperties()
  formatStorage()
}

function writePid(pid, port = PORT, version = VERSION) {
  const info = { pid, port, version, startedAt: new Date().toISOString() }
  writeFileSync(pidFile, `${JSON.stringify(info)}\n`)
  return info
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

/**
 * Serialises starts from one DATA_DIR (say a test setup and a dev shell at once): without it both
 * could format the storage, and the loser's cleanup could delete the winner's pid file.
 */
async function withStartLock(fn) {
  const lock = join(dataDir, 'kafka.start.lock')
  mkdirSync(dataDir, { recursive: true })
  // Long enough for another start's first-run download; that start gives up by itself if it hangs.
  for (const end = Date.now() + 600_000; ;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' })
      break
    } catch (err) {
      if (err.code !== 'EEXIST') throw err
    }
    let holder = null
    try {
      holder = Number(readFileSync(lock, 'utf8')) || null // empty: its holder is writing it right now
    } catch {
      continue // released meanwhile
    }
    if (holder && !isStarting(holder)) rmSync(lock, { force: true }) // left by a start that was killed
    else if (Date.now() > end) throw new Fatal(`Gave up waiting for another start (pid ${holder}) holding ${lock}`)
    else await sleep(250)
  }
  try {
    return await fn()
  } finally {
    rmSync(lock, { force: true })
  }
}

/** Is `pid` still one of our starts? (After a reboot the pid in an old lock file may be anybody's.) */
function isStarting(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.mjs')
  } catch {
    if (existsSync('/proc/self')) return false
    try {
      process.kill(pid, 0) // no /proc (macOS)
      return true
    } catch (err) {
      return err.code === 'EPERM'
    }
  }
}

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

async function stopPid(pid) {
  const gone = async (ms) => {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (!isOurJava(pid)) return true
    return !isOurJava(pid)
  }
  try {
    process.kill(pid, 'SIGTERM') // Kafka's shutdown hook: controlled shutdown, logs flushed and closed
  } catch {
    return
  }
  if (await gone(STOP_TIMEOUT_MS)) return
  console.error(`Kafka (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s: killing it`)
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    return
  }
  await gone(5000)
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
