import { type ChildProcess, spawn } from 'node:child_process'

/** What a measured phase of bench/ingest/child.ts prints. */
export interface Phase {
  events: number
  seconds: number
  rate: number
  startupSeconds: number
  peakRssMiB: number
  /** Process CPU (all threads) per event over the measured window, µs (bench/ingest/child.ts). */
  cpuUsPerEvent: number
  /** The full pipeline's: peak V8 heap, ArrayBuffers and chDB's code pages (bench/usage.ts sampleMemory). */
  heapUsedMiB?: number
  arrayBuffersMiB?: number
  engineCodeMiB?: number
}

/** stdout piped (its JSON lines), stderr inherited, an IPC channel, no stdin. */
export type BenchChild = ChildProcess

/**
 * Runs `bench/ingest/child.ts <args…>` in a process of its own and resolves with the last JSON line
 * it printed. `control`, when given, gets the child with an IPC channel (a phase that is told when
 * to stop, e.g. freshness: `child.send`). Never anything on stdin: chDB takes bytes waiting on a
 * non-terminal stdin as the data of the next insert (client.ts), so a message written there while
 * the child inserts would be parsed as rows.
 */
export function runChild<T = Phase>(args: string[], control?: (child: BenchChild) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/ingest/child.ts', ...args], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    })
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => {
      const line = out.trim().split('\n').filter((l) => l.startsWith('{')).at(-1)
      if (code === 0 && line) resolve(JSON.parse(line) as T)
      else reject(new Error(`bench child ${args[0]} exited ${code}: ${out.slice(-500)}`))
    })
    // An open channel would keep a child that is told nothing alive.
    if (control) control(child)
    else child.disconnect()
  })
}
