// Process control: which broker JVM belongs to this DATA_DIR (pid file, else the process list),
// stopping it, and one start at a time per DATA_DIR.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { dataDir, Fatal, pidFile, PORT, propsFile, STOP_TIMEOUT_MS, VERSION } from './settings.mjs'

/**
 * The broker of this DATA_DIR if it is alive, else null. A stale pid file is removed; a missing one
 * (deleted while the broker ran) is rebuilt from the process list, so --stop still finds the broker.
 */
export function runningBroker() {
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
export function brokerProcesses() {
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
export function isOurJava(pid) {
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

export function writePid(pid, port = PORT, version = VERSION) {
  const info = { pid, port, version, startedAt: new Date().toISOString() }
  writeFileSync(pidFile, `${JSON.stringify(info)}\n`)
  return info
}

export async function stopPid(pid) {
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

/**
 * Serialises starts from one DATA_DIR (say a test setup and a dev shell at once): without it both
 * could format the storage, and the loser's cleanup could delete the winner's pid file.
 */
export async function withStartLock(fn) {
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

