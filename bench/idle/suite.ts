import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BenchResult } from '../suites'

/**
 * `npm run bench -- idle`: what the embedded demo (`npm start`, nobody looking) costs in CPU. The
 * real start script runs in a fresh data directory, once with the default simulator and once with
 * `SIMULATOR=off`; after it serves, the first start's backfill is written (`backfill written`) and a warm-up has passed,
 * its process CPU time (/proc, all threads: chDB's and PGlite's included) is read at the start and the
 * end of the window, and the main JavaScript thread's on its own. Wall-clock guesses play no part.
 * The periodic jobs' time comes from the process's own metrics (`linetrace_periodic_job_seconds`
 * and the ClickHouse queries by name), read at both ends of the same window.
 *
 * BENCH_IDLE_WARMUP_S (default 60) and BENCH_IDLE_WINDOW_S (default 300) set the times.
 */

const WARMUP_S = Number(process.env.BENCH_IDLE_WARMUP_S ?? 60)
const WINDOW_S = Number(process.env.BENCH_IDLE_WINDOW_S ?? 300)
const PORT = Number(process.env.BENCH_IDLE_PORT ?? 3391)
/** Issue #22's bounds, in % of one core. */
const TARGETS = { simulator: 15, 'simulator-off': 3 }
const TICKS = 100 // USER_HZ on Linux

interface Variant {
  name: keyof typeof TARGETS
  env: Record<string, string>
}

interface Sample {
  at: number
  processTicks: number
  mainThreadTicks: number
  jobs: Map<string, { seconds: number; runs: number }>
}

function ticks(statFile: string): number {
  // utime and stime are fields 14 and 15; the command name (field 2) may hold spaces, so split after it.
  const fields = readFileSync(statFile, 'utf8').split(') ')[1]!.split(' ')
  return Number(fields[11]) + Number(fields[12])
}

async function jobSeconds(token: string): Promise<Map<string, { seconds: number; runs: number }>> {
  const res = await fetch(`http://127.0.0.1:${PORT}/api/metrics`, { headers: { authorization: `Bearer ${token}` } })
  const text = await res.text()
  const out = new Map<string, { seconds: number; runs: number }>()
  const add = (name: string, field: 'seconds' | 'runs', v: number) => {
    const e = out.get(name) ?? { seconds: 0, runs: 0 }
    e[field] += v
    out.set(name, e)
  }
  for (const line of text.split('\n')) {
    let m = /^linetrace_periodic_job_seconds_(sum|count)\{job="([^"]+)"\} (\S+)$/.exec(line)
    if (m) add(`job ${m[2]}`, m[1] === 'sum' ? 'seconds' : 'runs', Number(m[3]))
    m = /^linetrace_clickhouse_query_duration_seconds_(sum|count)\{query="([^"]+)",outcome="[^"]+"\} (\S+)$/.exec(line)
    if (m) add(`clickhouse ${m[2]}`, m[1] === 'sum' ? 'seconds' : 'runs', Number(m[3]))
  }
  return out
}

async function sample(pid: number, token: string): Promise<Sample> {
  return { at: performance.now(), processTicks: ticks(`/proc/${pid}/stat`), mainThreadTicks: ticks(`/proc/${pid}/task/${pid}/stat`), jobs: await jobSeconds(token) }
}

/** Resolves when a log line matches; rejects when the process exits first. */
function waitForLog(child: ChildProcess, lines: string[], pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => lines.some((l) => pattern.test(l))
    if (check()) return resolve()
    const timer = setTimeout(() => reject(new Error(`no log line matching ${pattern} within ${timeoutMs / 1000} s`)), timeoutMs)
    const onData = () => {
      if (check()) {
        clearTimeout(timer)
        child.stdout!.off('data', onData)
        resolve()
      }
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before ${pattern}: ${lines.slice(-5).join('\n')}`)))
  })
}

async function measure(variant: Variant) {
  const dataDir = mkdtempSync(join(tmpdir(), 'lt-bench-idle-'))
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(PORT), OTLP_HTTP_PORT: '0', LOG_LEVEL: 'info', ...variant.env },
  })
  const lines: string[] = []
  let partial = ''
  child.stdout!.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n')
    partial = parts.pop()!
    lines.push(...parts)
    if (lines.length > 5_000) lines.splice(0, lines.length - 5_000)
  })
  try {
    await waitForLog(child, lines, /Linetrace is serving/, 15 * 60_000)
    // Not 'simulator live': the first start goes live after the last 48 h and writes the older days after (simulator/history.ts).
    if (variant.name === 'simulator') await waitForLog(child, lines, /backfill written/, 30 * 60_000)
    await new Promise((r) => setTimeout(r, WARMUP_S * 1000))
    const token = readFileSync(join(dataDir, 'admin-api-token'), 'utf8').trim()
    const a = await sample(child.pid!, token)
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000))
    const b = await sample(child.pid!, token)
    const seconds = (b.at - a.at) / 1000
    const pct = (t: number) => (100 * t) / TICKS / seconds
    const jobs = [...b.jobs]
      .map(([name, end]) => {
        const start = a.jobs.get(name) ?? { seconds: 0, runs: 0 }
        return { name, runs: end.runs - start.runs, msPerMinute: ((end.seconds - start.seconds) * 1000 * 60) / seconds }
      })
      .filter((j) => j.runs > 0)
      .sort((x, y) => y.msPerMinute - x.msPerMinute)
    return {
      variant: variant.name,
      seconds: Math.round(seconds),
      cpuPercentOfCore: Math.round(pct(b.processTicks - a.processTicks) * 10) / 10,
      mainThreadPercentOfCore: Math.round(pct(b.mainThreadTicks - a.mainThreadTicks) * 10) / 10,
      threads: readdirSync(`/proc/${child.pid}/task`).length,
      target: TARGETS[variant.name],
      jobs,
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
    rmSync(dataDir, { recursive: true, force: true })
  }
}

export async function idleSuite(): Promise<BenchResult> {
  const variants: Variant[] = [
    { name: 'simulator', env: {} },
    { name: 'simulator-off', env: { SIMULATOR: 'off' } },
  ]
  const rows = []
  for (const v of variants) rows.push(await measure(v))
  return {
    params: { warmupSeconds: WARMUP_S, windowSeconds: WINDOW_S, load: readFileSync('/proc/loadavg', 'utf8').trim() },
    metrics: Object.fromEntries(rows.map((r) => [r.variant, r])),
    targets: { simulatorPercentOfCore: TARGETS.simulator, simulatorOffPercentOfCore: TARGETS['simulator-off'] },
    meetsTargets: rows.every((r) => r.cpuPercentOfCore <= r.target),
    table: [
      ['npm start', 'window (s)', 'CPU (% of one core)', 'main thread (%)', 'target (%)', 'costliest periodic work (ms per minute)'],
      ...rows.map((r) => [r.variant, r.seconds, r.cpuPercentOfCore, r.mainThreadPercentOfCore, `≤ ${r.target}`, r.jobs.slice(0, 4).map((j) => `${j.name} ${Math.round(j.msPerMinute)}`).join(', ')]),
    ],
    notes: ['CPU from /proc/<pid>/stat (all threads) and /proc/<pid>/task/<pid>/stat (the main JavaScript thread) over the window, after the backfill and the warm-up.'],
  }
}
