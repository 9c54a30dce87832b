import type { BusConsumer, Transport } from '../../server/bus/port'
import type { ClickHouse } from '../../server/clickhouse/client'
import type { Config } from '../../server/config'
import type { PrismaClient } from '../../server/db/client'
import { tapDefinitionSchema, type TapDefinition } from '../../server/domain/taps'
import type { Logger } from '../../server/logger'
import { OriginCache } from '../telemetry/origin-cache'
import { storedOrigins } from '../../server/clickhouse/queries/origins'
import { OriginGate, type TapClock, type TapProbe } from './origin-gate'
import type { InsertCoalescer } from '../telemetry/coalescer'
import { createTelemetryPipeline, type TelemetryPipeline } from '../telemetry/pipeline'
import { isTopicPattern } from '../../server/domain/topics'
import { compileTap } from './map'
import { tapMetrics } from './metrics'
import { TapSource } from './source'

/**
 * The worker's taps (ingest/taps/README.md): one telemetry pipeline per enabled tap, database taps
 * (enabled ones) and TAPS_FILE's. Every `pollMs` (5 s, like the stored OTLP mapping: the console
 * may run in another process, so only the shared database reaches the worker) it re-reads `taps`
 * and `tap_status`, starts and stops taps to match, swaps a changed mapping into the running
 * consumer, resumes a tap whose pause an admin cleared, and writes each tap's status.
 *
 * Pausing: the tap's source reports a failure rate past the bound; its pipeline is stopped (what
 * it had not committed is read again on resume) and `paused_reason` is written, once. The periodic
 * status write never touches `paused_reason`, so an admin's resume (setting it to null) is seen by
 * the next poll whatever the timing. A paused tap stays paused across restarts.
 */

export type TapState = 'starting' | 'running' | 'paused' | 'stopped'
type Origin = 'database' | 'file'

export interface TapRunnerDeps {
  config: Config
  clickhouse: ClickHouse
  prisma: PrismaClient
  transport: Transport
  logger: Logger
  /** Default 5 s. */
  pollMs?: number
  /** The pipelines' lag refresh (tests). */
  lagRefreshMs?: number
  /** The process's writer of batches, shared with its other pipelines. */
  coalescer?: InsertCoalescer
}

export interface TapRunStatus {
  name: string
  origin: Origin
  state: TapState
  pausedReason?: string
  mapped: number
  failed: number
  /** hop_events rows its current pipeline wrote (since the tap last started). */
  written: number
  lag: number
  lastError?: string
}

export interface TapRunner {
  /** One poll and status write, as the timer does (queued behind one in flight). */
  refresh(): Promise<void>
  status(): TapRunStatus[]
  drain(timeoutMs: number): Promise<number>
  stop(): Promise<void>
}

export const TAPS_POLL_MS = 5_000

interface Entry {
  name: string
  origin: Origin
  /** The definition as declared, to notice a change. */
  json: string
  source?: TapSource
  pipeline?: TelemetryPipeline
  state: TapState
  pausedReason?: string
  /** Stopping the pipeline of a tap that paused itself, and writing why. */
  pause?: Promise<void>
  /** Whether tap_status holds the pause: until it does, its null paused_reason is not a resume. */
  pauseRecorded: boolean
  problem?: string
  lag: number
  reported: { mapped: number; failed: number; at: number }
  clock?: TapClock
  /** The tap's group, read for its lag by the origin gate (never run). */
  lagReader?: BusConsumer
}

export async function startTapRunner(deps: TapRunnerDeps): Promise<TapRunner> {
  const runner = new Runner(deps)
  await runner.refresh()
  return runner
}

class Runner implements TapRunner {
  private readonly log: Logger
  private readonly entries = new Map<string, Entry>()
  /** Database taps hidden by a TAPS_FILE tap of the same name (warned about once). */
  private readonly shadowed = new Set<string>()
  /** One cache for every tap: hops of one transaction often come from different taps. */
  private readonly origins = new OriginCache()
  /** Hops without an origin wait there for the taps that are behind (origin-gate.ts). */
  private readonly gate = new OriginGate(this.origins, {
    onGiveUp: (tap, stalled) =>
      this.log.warn({ tap, stalled }, 'a hop without an origin stopped waiting for its transaction: the taps it waited for neither read nor wrote for 30 s (stalled), or it waited 5 min; hops go on without waiting for a minute'),
    stored: (ids) => storedOrigins(this.deps.clickhouse, ids),
  })
  private readonly m = tapMetrics()
  private readonly timer: NodeJS.Timeout
  private queue: Promise<void> = Promise.resolve()
  private pending = false
  private stopped = false

  constructor(private readonly deps: TapRunnerDeps) {
    this.log = deps.logger.child({ component: 'taps' })
    this.timer = setInterval(() => {
      if (!this.pending) void this.refresh().catch((error: unknown) => this.log.warn({ err: error }, 'taps not refreshed; trying again at the next poll'))
    }, deps.pollMs ?? TAPS_POLL_MS)
    this.timer.unref()
  }

  refresh(): Promise<void> {
    this.pending = true
    const run = this.queue.then(async () => {
      this.pending = false
      if (!this.stopped) await this.poll()
    })
    this.queue = run.catch(() => undefined)
    return run
  }

  status(): TapRunStatus[] {
    return [...this.entries.values()].map((e) => ({
      name: e.name,
      origin: e.origin,
      state: e.state,
      ...(e.pausedReason !== undefined && { pausedReason: e.pausedReason }),
      mapped: e.source?.counts.mapped ?? 0,
      failed: e.source?.counts.failed ?? 0,
      written: e.pipeline?.status().written ?? 0,
      lag: e.lag,
      ...(this.problemOf(e) !== undefined && { lastError: this.problemOf(e) }),
    }))
  }

  async drain(timeoutMs: number): Promise<number> {
    const left = await Promise.all([...this.entries.values()].map((e) => e.pipeline?.drain(timeoutMs) ?? 0))
    return left.reduce((a, b) => a + b, 0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    await this.queue
    await Promise.all([...this.entries.values()].map((e) => this.halt(e, e.state === 'paused' ? 'paused' : 'stopped')))
    await this.writeStatus().catch((error: unknown) => this.log.warn({ err: error }, 'tap status not written at stop'))
  }

  private async poll(): Promise<void> {
    const { prisma, config } = this.deps
    await Promise.all([...this.entries.values()].map((e) => e.pause))
    const [taps, statuses] = await Promise.all([
      prisma.tap.findMany({ select: { name: true, definition: true, enabled: true } }),
      prisma.tapStatus.findMany({ select: { name: true, pausedReason: true } }),
    ])
    const pausedReason = new Map(statuses.map((s) => [s.name, s.pausedReason]))
    const wanted = new Map<string, { origin: Origin; definition: unknown }>(config.taps.map((t) => [t.name, { origin: 'file', definition: t }]))
    for (const tap of taps) {
      if (!tap.enabled) continue
      if (!wanted.has(tap.name)) wanted.set(tap.name, { origin: 'database', definition: tap.definition })
      else if (!this.shadowed.has(tap.name)) {
        this.shadowed.add(tap.name)
        this.log.warn({ tap: tap.name }, 'a database tap has the name of a TAPS_FILE tap: the file one runs')
      }
    }

    for (const entry of [...this.entries.values()]) {
      if (wanted.has(entry.name)) continue
      await this.halt(entry, 'stopped')
      if (entry.clock) this.gate.unregister(entry.clock)
      void entry.lagReader?.stop().catch(() => undefined)
      this.entries.delete(entry.name)
      if (taps.some((t) => t.name === entry.name)) await this.writeOne(entry, Date.now())
      this.log.info({ tap: entry.name }, 'tap stopped')
    }
    // The status of a tap that is gone (deleted, or dropped from TAPS_FILE) goes with it.
    await prisma.tapStatus.deleteMany({ where: { name: { notIn: [...taps.map((t) => t.name), ...config.taps.map((t) => t.name)] } } })
    for (const [name, { origin, definition }] of wanted) {
      const json = JSON.stringify(definition)
      let entry = this.entries.get(name)
      if (!entry) {
        entry = { name, origin, json: '', state: 'starting', pauseRecorded: false, lag: 0, reported: { mapped: 0, failed: 0, at: Date.now() } }
        this.entries.set(name, entry)
        const reason = pausedReason.get(name)
        if (reason) Object.assign(entry, { state: 'paused', pausedReason: reason, pauseRecorded: true })
      }
      entry.origin = origin
      if (entry.json !== json) await this.apply(entry, definition, json)
      if (entry.state === 'paused' && entry.pauseRecorded && pausedReason.get(name) === null) {
        this.log.info({ tap: name }, 'tap resumed')
        entry.source?.resetWindow()
        entry.pausedReason = entry.pause = undefined
        entry.pauseRecorded = false
        entry.state = 'starting'
      }
      if (entry.state === 'starting' && !entry.pipeline && entry.source) await this.launch(entry)
    }
    await this.writeStatus()
  }

  /** A new or changed definition: the same topic keeps its consumer, a new topic gets a new one. */
  private async apply(entry: Entry, definition: unknown, json: string): Promise<void> {
    let tap: TapDefinition
    let compiled
    try {
      tap = tapDefinitionSchema.parse(definition)
      compiled = compileTap(tap)
    } catch (error) {
      entry.problem = `the tap's definition cannot be used: ${(error as Error).message}${entry.source ? '; the previous one stays in use' : ''}`
      entry.json = json
      if (!entry.source) entry.state = 'stopped'
      this.log.warn({ tap: entry.name, err: error }, 'tap definition refused')
      return
    }
    entry.json = json
    entry.problem = undefined
    if (entry.source && entry.source.definition.topic === tap.topic) {
      entry.source.swap(compiled)
      this.log.info({ tap: entry.name }, 'tap mapping changed: records read from now on use it')
      return
    }
    const previous = entry.pipeline
    entry.pipeline = undefined
    await previous?.stop()
    entry.source = new TapSource(compiled, {
      dlqTopic: this.deps.config.env.TELEMETRY_DLQ_TOPIC,
      fromBeginning: tap.start !== 'latest',
      onPause: (reason) => this.pauseTap(entry, reason),
      origins: { gate: this.gate, clock: (entry.clock ??= this.gate.register(entry.name, this.probe(entry))) },
    })
    // The group's lag is read for the new source's topic from now on.
    void entry.lagReader?.stop().catch(() => undefined)
    entry.lagReader = undefined
    if (entry.state !== 'paused') entry.state = 'starting'
  }

  private async launch(entry: Entry): Promise<void> {
    const { transport } = this.deps
    const source = entry.source!
    const tap = source.definition
    try {
      const topics = await transport.listTopics()
      const tapped = isTopicPattern(tap.topic) ? topics.filter((t) => (source.topic as { subscribe: RegExp }).subscribe.test(t)) : [tap.topic]
      if (!isTopicPattern(tap.topic) && !topics.includes(tap.topic)) {
        entry.problem = `topic ${tap.topic} does not exist (yet); the tap starts when it does`
        return
      }
      if (typeof tap.start === 'object')
        for (const topic of tapped) await transport.startGroupAtTime(source.groupId, topic, Date.parse(tap.start.timestamp))
      const pipeline = createTelemetryPipeline({ ...this.deps, source, origins: this.origins, logger: this.deps.logger.child({ component: 'ingest', tap: entry.name }) })
      await pipeline.start()
      if (entry.state !== 'starting' || entry.source !== source) return void pipeline.stop()
      entry.pipeline = pipeline
      entry.state = 'running'
      entry.problem = undefined
      this.log.info({ tap: entry.name, topic: tap.topic, group: source.groupId }, 'tap started')
    } catch (error) {
      entry.problem = `cannot start: ${(error as Error).message}`
      this.log.warn({ tap: entry.name, err: error }, 'tap not started; trying again at the next poll')
    }
  }

  /** What the origin gate asks of a tap: whether it reads, and its group's lag now (of its current source). */
  private probe(entry: Entry): TapProbe {
    return {
      running: () => entry.state === 'running' && entry.pipeline !== undefined,
      progress: () => entry.pipeline?.status().written ?? 0,
      lag: () => {
        const source = entry.source
        if (!source) return Promise.resolve([])
        entry.lagReader ??= this.deps.transport.consumer({ groupId: source.groupId, topics: source.topic.subscribe, fromBeginning: source.topic.fromBeginning })
        return entry.lagReader.lag()
      },
    }
  }

  /** Called by the source inside a delivery: nothing here may wait for that delivery. */
  private pauseTap(entry: Entry, reason: string): void {
    if (entry.state !== 'running') return
    entry.state = 'paused'
    entry.pausedReason = reason
    this.log.warn({ tap: entry.name, reason }, 'tap paused: too many records failed to map')
    const pipeline = entry.pipeline
    entry.pipeline = undefined
    if (entry.clock) this.gate.release(entry.clock)
    entry.pause = (async () => {
      await pipeline?.stop()
      await this.writeOne(entry, Date.now())
    })().catch((error: unknown) => this.log.warn({ err: error, tap: entry.name }, 'tap pause not written yet; the next status write retries'))
  }

  private async halt(entry: Entry, state: TapState): Promise<void> {
    const pipeline = entry.pipeline
    entry.pipeline = undefined
    entry.state = state
    if (entry.clock) this.gate.release(entry.clock)
    await Promise.all([pipeline?.stop(), entry.pause])
  }

  private problemOf(entry: Entry): string | undefined {
    return entry.problem ?? entry.source?.counts.lastError ?? entry.pipeline?.status().lastError
  }

  private async writeStatus(): Promise<void> {
    const now = Date.now()
    for (const entry of this.entries.values()) await this.writeOne(entry, now)
  }

  /**
   * Counts are added (increment), not set: several workers may run one tap (its group shares the
   * partitions), each adding what it did; state, rate and lag are the last writer's.
   */
  private async writeOne(entry: Entry, now: number): Promise<void> {
    const counts = entry.source?.counts ?? { mapped: 0, failed: 0, lastErrorAt: undefined }
    const mapped = counts.mapped - entry.reported.mapped
    const failed = counts.failed - entry.reported.failed
    const seconds = Math.max((now - entry.reported.at) / 1000, 0.001)
    const rate = Math.round(((mapped + failed) / seconds) * 10) / 10
    if (entry.pipeline) entry.lag = entry.pipeline.status().lag
    const problem = this.problemOf(entry)
    const lastError = problem === undefined ? {} : { lastError: problem.slice(0, 4000), lastErrorAt: counts.lastErrorAt ?? new Date(now) }
    // Taken before the write, so a write running beside it (a pause's) does not add the same records again.
    const taken = entry.reported
    entry.reported = { mapped: counts.mapped, failed: counts.failed, at: now }
    try {
      await this.upsert(entry, mapped, failed, rate, lastError)
    } catch (error) {
      entry.reported = { mapped: entry.reported.mapped - mapped, failed: entry.reported.failed - failed, at: taken.at }
      throw error
    }
    this.m.lag.set({ tap: entry.name }, entry.lag)
    this.m.recordsPerSecond.set({ tap: entry.name }, rate)
    for (const state of ['starting', 'running', 'paused', 'stopped'] as const) this.m.state.set({ tap: entry.name, state }, state === entry.state ? 1 : 0)
  }

  private async upsert(entry: Entry, mapped: number, failed: number, rate: number, lastError: { lastError?: string; lastErrorAt?: Date }): Promise<void> {
    await this.deps.prisma.tapStatus.upsert({
      where: { name: entry.name },
      create: { name: entry.name, origin: entry.origin, state: entry.state, pausedReason: entry.pausedReason ?? null, mapped, failed, recordsPerSecond: rate, lag: entry.lag, ...lastError },
      update: {
        origin: entry.origin,
        state: entry.state,
        // Written once per pause: after that the column is the admin's (null = resume).
        ...(entry.state === 'paused' && !entry.pauseRecorded && { pausedReason: entry.pausedReason }),
        mapped: { increment: mapped },
        failed: { increment: failed },
        recordsPerSecond: rate,
        lag: entry.lag,
        ...lastError,
      },
    })
    if (entry.state === 'paused') entry.pauseRecorded = true
  }
}
