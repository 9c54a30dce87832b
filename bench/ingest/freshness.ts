import { loadavg } from 'node:os'
import { sleep } from '../../server/retry'
import { freshnessRecord } from './events'
import type { WorkflowStore } from './phase'
import { type BenchChild, runChild } from './run-child'
import { benchTopic } from './topic'
import type { Visibility, VisibilityPlan } from './visibility'

/**
 * Freshness (issue #22 item 3): produce → visible in hop_events while a producer sends at a paced,
 * sustained rate. This side (the suite's process) produces; the pipeline runs in a child
 * (child.ts freshness → visibility.ts, which says how "visible" is observed), so the producer
 * neither shares the pipeline's event loop nor counts in its RSS.
 *
 * One run: a fresh topic; a primer record every 100 ms until the pipeline has written its first
 * row (group joined, partitions assigned), so no start-up backlog is measured; then the asked rate
 * for warmupSeconds (discarded) and seconds (measured: every record produced in that window).
 * Each record carries the producer's clock when it is handed to Kafka (acks=1, one send in flight;
 * a slow send makes the next one larger, so the rate is kept over time, not per tick).
 */

export interface FreshnessSettings {
  /** BENCH_FRESHNESS_RATE: the first run's rate, events/s (default 5,000). */
  rate: number
  /** BENCH_FRESHNESS_SHARE: the second run's rate as a share of the full pipeline's measured rate (default 0.8). */
  share: number
  /** BENCH_FRESHNESS_SECONDS: measured window of each run (default 30). */
  seconds: number
  /** BENCH_FRESHNESS_WARMUP_S: discarded time at the asked rate before it (default 10). */
  warmupSeconds: number
  /** BENCH_FRESHNESS_DRAIN_S: longest wait for the last rows after producing stops (default 120). */
  drainSeconds: number
}

export interface FreshnessRun {
  askedRate: number
  /** Records produced in the measured window / its length. */
  achievedRate: number
  /** The producer reached at least HELD_SHARE of the asked rate; if not, the figures are not "at" that rate. */
  heldRate: boolean
  /** Records produced in the measured window. */
  produced: number
  /** Of those, rows hop_events returned with an observed insert acknowledgement. */
  visible: number
  /** Produced in the window, not returned by hop_events after the drain wait. */
  missing: number
  /** Returned, but no insert acknowledgement was observed for them (left out of the figures). */
  unobserved: number
  /** Acknowledged before the engine stamped them: the acknowledgement mapping is wrong if any. */
  ackedBeforeIngest: number
  p50Ms: number | null
  p95Ms: number | null
  maxMs: number | null
  targetP95Ms: number
  meetsTarget: boolean
  /** Pipeline start to its first written row (the primer's time). */
  startupSeconds: number
  peakRssMiB: number
  /** The machine's 1/5/15-minute load average when the measured window ended. */
  loadAverage: number[]
}

/** Share of the asked rate the producer must reach for a run to count as held. */
export const HELD_SHARE = 0.98
const TICK_MS = 5
const MAX_SEND = 2_000
const PRIMER_MS = 100
const READY_TIMEOUT_MS = 120_000

function setting(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`)
  return value
}

export function freshnessSettings(env: Record<string, string | undefined> = process.env): FreshnessSettings {
  return {
    rate: setting(env, 'BENCH_FRESHNESS_RATE', 5_000),
    share: setting(env, 'BENCH_FRESHNESS_SHARE', 0.8),
    seconds: setting(env, 'BENCH_FRESHNESS_SECONDS', 30),
    warmupSeconds: setting(env, 'BENCH_FRESHNESS_WARMUP_S', 10),
    drainSeconds: setting(env, 'BENCH_FRESHNESS_DRAIN_S', 120),
  }
}

/** One run at `askedRate` events/s on a fresh topic `topic`, the pipeline on the workflow store `workflow`. */
export async function measureFreshness(brokers: string, topic: string, workflow: WorkflowStore, askedRate: number, targetP95Ms: number, s: FreshnessSettings): Promise<FreshnessRun> {
  const kafka = await benchTopic(brokers, topic)
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  let child: BenchChild | undefined
  let out = ''
  let exited = false
  const visibility = runChild<Visibility>(['freshness', brokers, topic, workflow], (c) => {
    child = c
    c.on('error', () => undefined) // a child that died is reported by its exit
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  })
  visibility.then(
    () => (exited = true),
    () => (exited = true),
  )
  try {
    let seq = 0
    const send = (n: number, producedMs: number) => {
      const messages = new Array<{ key: string; value: string }>(n)
      for (let i = 0; i < n; i++) messages[i] = freshnessRecord(seq++, producedMs)
      return producer.send({ topic, messages, acks: 1 })
    }

    const readyBy = Date.now() + READY_TIMEOUT_MS
    while (!out.includes('"ready":true') && !exited) {
      if (Date.now() > readyBy) throw new Error(`freshness: the pipeline wrote nothing within ${READY_TIMEOUT_MS / 1000} s of starting`)
      await send(1, Date.now())
      await sleep(PRIMER_MS)
    }

    const startedAt = performance.now()
    const fromMs = Date.now() + s.warmupSeconds * 1000
    const toMs = fromMs + s.seconds * 1000
    let paced = 0
    let produced = 0
    while (!exited) {
      const now = Date.now()
      if (now >= toMs) break
      const due = Math.floor((askedRate * (performance.now() - startedAt)) / 1000) - paced
      if (due <= 0) {
        await sleep(TICK_MS)
        continue
      }
      const n = Math.min(due, MAX_SEND)
      if (now >= fromMs) produced += n
      await send(n, now)
      paced += n
    }
    const loadAverage = loadavg().map((l) => Math.round(l * 10) / 10)
    const plan: VisibilityPlan = { produced: seq, fromMs, toMs, drainSeconds: s.drainSeconds }
    child?.send(plan, () => child?.disconnect())
    const v = await visibility
    const heldRate = produced >= HELD_SHARE * askedRate * s.seconds
    const missing = produced - v.visible - v.unobserved
    return {
      askedRate,
      achievedRate: Math.round(produced / s.seconds),
      heldRate,
      produced,
      visible: v.visible,
      missing,
      unobserved: v.unobserved,
      ackedBeforeIngest: v.ackedBeforeIngest,
      p50Ms: v.p50Ms,
      p95Ms: v.p95Ms,
      maxMs: v.maxMs,
      targetP95Ms,
      meetsTarget: heldRate && missing === 0 && v.unobserved === 0 && v.ackedBeforeIngest === 0 && v.p95Ms !== null && v.p95Ms < targetP95Ms,
      startupSeconds: v.startupSeconds,
      peakRssMiB: v.peakRssMiB,
      loadAverage,
    }
  } finally {
    // Only when this side failed: without its plan the child stops, cleans up and exits.
    if (!exited && child?.connected) child.disconnect()
    await producer.disconnect()
  }
}

const seconds = (ms: number | null) => (ms === null ? '–' : (ms / 1000).toFixed(2))

/** The run's row of the ingest suite's table: what was asked and got, the figures, the target. */
export function freshnessRow(label: string, r: FreshnessRun): (string | number)[] {
  const rate = `${r.achievedRate} of ${r.askedRate}${r.heldRate ? '' : ' NOT HELD'}`
  const lost = r.missing || r.unobserved || r.ackedBeforeIngest ? ` (${r.missing} missing, ${r.unobserved} unobserved, ${r.ackedBeforeIngest} acked before ingest)` : ''
  return [label, rate, `${seconds(r.p50Ms)} / ${seconds(r.p95Ms)} / ${seconds(r.maxMs)}${lost}`, `< ${r.targetP95Ms / 1000}`, r.peakRssMiB]
}
