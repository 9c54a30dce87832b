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

/** Peaks of what V8 holds, in MiB: its heap, and the ArrayBuffers and Buffers outside it. */
export interface HeapPeaks {
  heapUsedMiB: number
  arrayBuffersMiB: number
}

/**
 * Samples the heap every 50 ms until `stop()`, which returns the peaks: beside the peak RSS they say
 * how much of it is JavaScript's (the rest is native: chDB, PGlite's WASM, code).
 */
export function sampleHeap(): { stop(): HeapPeaks } {
  const peaks: HeapPeaks = { heapUsedMiB: 0, arrayBuffersMiB: 0 }
  const sample = () => {
    const m = process.memoryUsage()
    peaks.heapUsedMiB = Math.max(peaks.heapUsedMiB, Math.round(m.heapUsed / 2 ** 20))
    peaks.arrayBuffersMiB = Math.max(peaks.arrayBuffersMiB, Math.round(m.arrayBuffers / 2 ** 20))
  }
  const timer = setInterval(sample, 50)
  return {
    stop() {
      clearInterval(timer)
      sample()
      return peaks
    },
  }
}
