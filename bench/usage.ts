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
