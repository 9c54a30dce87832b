import { readFileSync } from 'node:fs'

/** What a bench process used, read the same way by every suite. */

/**
 * CPU time of this process, all threads (V8's, the GC's, chDB's), in µs. Unlike wall time it is
 * barely moved by the other processes of a shared machine, so phases compare on it.
 */
export function cpuMicros(): number {
  const u = process.cpuUsage()
  return u.user + u.system
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
