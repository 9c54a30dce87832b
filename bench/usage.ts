import { readdirSync, readFileSync } from 'node:fs'

/** What a bench process used, read the same way by every suite. */

/**
 * CPU time of this process, all threads (V8's, the GC's, chDB's), in µs. Unlike wall time it is
 * barely moved by the other processes of a shared machine, so phases compare on it.
 */
export function cpuMicros(): number {
  const u = process.cpuUsage()
  return u.user + u.system
}

/**
 * This process's threads in groups: the JavaScript (main) thread; Node's helper threads (V8's GC
 * and compiler workers, libuv's pool: unnamed, so they carry the process's name); chDB's query
 * threads (`ThreadPool`: an insert with its views runs there); chDB's background merges
 * (`MergeMutate`); and the rest (chDB's other threads, any other library's). A figure per group,
 * in µs. A thread that ends inside a window takes its time with it; the pools above live as long
 * as the process.
 */
export interface ThreadCpu {
  javascript: number
  nodeHelpers: number
  engineQueries: number
  engineMerges: number
  other: number
}

const GROUPS = ['javascript', 'nodeHelpers', 'engineQueries', 'engineMerges', 'other'] as const
const TICK_US = 10_000
const zero = (): ThreadCpu => ({ javascript: 0, nodeHelpers: 0, engineQueries: 0, engineMerges: 0, other: 0 })

/**
 * Per group, the time its threads ran on a core and the time they were ready to run but waited for
 * one (the run queue), in µs: /proc/self/task/<tid>/schedstat, in ns. Where the kernel keeps no
 * schedstat, the run time comes from the thread's stat (10 ms ticks) and the wait is unknown (null).
 */
function threadTimes(): { run: ThreadCpu; wait: ThreadCpu | null } {
  const run = zero()
  let wait: ThreadCpu | null = zero()
  for (const tid of readdirSync('/proc/self/task')) {
    const dir = `/proc/self/task/${tid}`
    let name: string
    let ranUs: number
    let waitedUs: number | null = null
    try {
      name = readFileSync(`${dir}/comm`, 'utf8').trim()
      try {
        const [ranNs, waitedNs] = readFileSync(`${dir}/schedstat`, 'utf8').trim().split(' ').map(Number) as [number, number]
        ;[ranUs, waitedUs] = [ranNs / 1000, waitedNs / 1000]
      } catch {
        // utime + stime, fields 14 and 15 (the name in parentheses may hold spaces)
        const stat = readFileSync(`${dir}/stat`, 'utf8')
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        ranUs = (Number(fields[11]) + Number(fields[12])) * TICK_US
      }
    } catch {
      continue // the thread ended between the listing and the read
    }
    const group: keyof ThreadCpu =
      tid === String(process.pid) ? 'javascript'
      : name === 'node' ? 'nodeHelpers'
      : name.startsWith('ThreadPool') ? 'engineQueries'
      : name.startsWith('MergeMutate') ? 'engineMerges'
      : 'other'
    run[group] += ranUs
    if (waitedUs === null) wait = null
    else if (wait) wait[group] += waitedUs
  }
  return { run, wait }
}

/** The machine's CPU time over all its cores (/proc/stat), idle (iowait included) and in all, in µs. */
function machineCpuMicros(): { idle: number; total: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number) as number[]
  return { idle: (idle! + iowait!) * TICK_US, total: (user! + nice! + system! + idle! + iowait! + irq! + softirq! + steal!) * TICK_US }
}

/** Where a window's CPU went: per event, by thread group; and how much of the machine was left idle. */
export interface CpuWindow {
  /** On a core. */
  threadsUsPerEvent: ThreadCpu
  /** Ready to run, waiting for a core: what the other threads and processes cost this group (null: not kept by the kernel). */
  threadsWaitUsPerEvent: ThreadCpu | null
  /** 0–1 of all the machine's cores over the window: what no process used. */
  machineIdleShare: number
}

/** Starts a window now; `stop(events)` ends it. */
export function cpuWindow(): { stop(events: number): CpuWindow } {
  const [threads0, machine0] = [threadTimes(), machineCpuMicros()]
  return {
    stop(events) {
      const [threads, machine] = [threadTimes(), machineCpuMicros()]
      const per = (after: ThreadCpu, before: ThreadCpu): ThreadCpu => {
        const out = zero()
        for (const g of GROUPS) out[g] = Math.round(((after[g] - before[g]) / events) * 10) / 10
        return out
      }
      return {
        threadsUsPerEvent: per(threads.run, threads0.run),
        threadsWaitUsPerEvent: threads.wait && threads0.wait ? per(threads.wait, threads0.wait) : null,
        machineIdleShare: Math.round(((machine.idle - machine0.idle) / (machine.total - machine0.total)) * 100) / 100,
      }
    },
  }
}

/** A window's CPU by thread group as one line of a bench note: µs an event on a core (+ waiting for one). */
export function describeCpu(w: CpuWindow): string {
  const names: Record<keyof ThreadCpu, string> = {
    javascript: 'JavaScript',
    nodeHelpers: "Node's helper threads (GC, libuv)",
    engineQueries: "chDB's query threads (the inserts and their views)",
    engineMerges: 'its merges',
    other: 'other',
  }
  const waits = w.threadsWaitUsPerEvent
  return GROUPS.map((g) => `${names[g]} ${w.threadsUsPerEvent[g]}${waits ? ` (+${waits[g]})` : ''}`).join(', ')
}

/** The process's peak resident set (VmHWM), in MiB. */
export function peakRssMiB(): number {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'))
  return line ? Math.round(Number(line.replace(/\D+/g, '')) / 1024) : Math.round(process.memoryUsage().rss / 2 ** 20)
}

/** Peaks of what V8 holds — its heap, and the ArrayBuffers and Buffers outside it — and of chDB's code, in MiB. */
export interface MemoryPeaks {
  heapUsedMiB: number
  arrayBuffersMiB: number
  /**
   * Resident pages of chDB's library (libchdb.so: the engine's code and read-only data, file-backed).
   * chDB stands in for the ClickHouse server here; in a split deployment these pages are the
   * server's, not the worker's. 0 when chDB is not loaded.
   */
  engineCodeMiB: number
}

/** Resident KiB of the mappings of libchdb.so (/proc/self/smaps; 0 where there is none). */
function engineCodeKiB(): number {
  let text: string
  try {
    text = readFileSync('/proc/self/smaps', 'utf8')
  } catch {
    return 0
  }
  let inEngine = false
  let kib = 0
  for (const line of text.split('\n')) {
    // A mapping's header starts with its address range; its fields (Rss: …) follow it.
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inEngine = line.endsWith('/libchdb.so')
    else if (inEngine && line.startsWith('Rss:')) kib += Number(line.replace(/\D+/g, ''))
  }
  return kib
}

/**
 * Samples the heap every 50 ms, chDB's code pages every 2 s (reading smaps costs ~5 ms),
 * until `stop()`, which returns the peaks: beside the peak RSS they say how much of it is
 * JavaScript's and how much the engine's code (the rest is native: chDB's allocations, PGlite's
 * WASM, Node's own code).
 */
export function sampleMemory(): { stop(): MemoryPeaks } {
  const peaks: MemoryPeaks = { heapUsedMiB: 0, arrayBuffersMiB: 0, engineCodeMiB: 0 }
  let tick = 0
  const sample = () => {
    const m = process.memoryUsage()
    peaks.heapUsedMiB = Math.max(peaks.heapUsedMiB, Math.round(m.heapUsed / 2 ** 20))
    peaks.arrayBuffersMiB = Math.max(peaks.arrayBuffersMiB, Math.round(m.arrayBuffers / 2 ** 20))
    if (tick++ % 40 === 0) peaks.engineCodeMiB = Math.max(peaks.engineCodeMiB, Math.round(engineCodeKiB() / 1024))
  }
  const timer = setInterval(sample, 50)
  return {
    stop() {
      clearInterval(timer)
      tick = 0 // the last sample reads chDB's code pages too
      sample()
      return peaks
    },
  }
}
