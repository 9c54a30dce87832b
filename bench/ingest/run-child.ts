import { type ChildProcessByStdio, spawn } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'

/** What a measured phase of bench/ingest/child.ts prints. */
export interface Phase {
  events: number
  seconds: number
  rate: number
  startupSeconds: number
  peakRssMiB: number
}

export type BenchChild = ChildProcessByStdio<Writable, Readable, null>

/**
 * Runs `bench/ingest/child.ts <args…>` in a process of its own and resolves with the last JSON line
 * it printed. `control`, when given, gets the child with a writable stdin (a phase that is told
 * when to stop, e.g. freshness); otherwise stdin is closed.
 */
export function runChild<T = Phase>(args: string[], control?: (child: BenchChild) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/ingest/child.ts', ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => {
      const line = out.trim().split('\n').filter((l) => l.startsWith('{')).at(-1)
      if (code === 0 && line) resolve(JSON.parse(line) as T)
      else reject(new Error(`bench child ${args[0]} exited ${code}: ${out.slice(-500)}`))
    })
    if (control) control(child)
    else child.stdin.end()
  })
}
