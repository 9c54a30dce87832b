import type { HopEventInput } from '../server/domain/hop-event'
import type { Logger } from '../server/logger'
import type { EngineContext, EngineStats } from './engine/context'
import { Engine } from './engine/engine'
import { SimErp } from './hub/erp'
import { Hub } from './hub/hub'
import type { HubMessage } from '../server/domain/flow-messages'
import { buildPlants, type PlantModel, type SystemKey } from './model'
import { Operators } from './operators'
import { parseSimulatorOptions, runStart, type SimulatorOptions } from './options'
import { OtlpReporter } from './otlp'
import { TappedReporter } from './tapped'
import { Outbox } from './outbox'
import { profile } from './scenario'
import { Scheduler } from './scheduler'
import { simulatorLogger, type SimulatorDeps } from './deps'
import { backfillProgress, HistoryEnd, INGESTED, OlderHistory } from './history'
import { Reports } from './reported'
import { StateFile, type InFlight } from './state'
import { RateWindow, type Phase, type SimulatorStats } from './stats'
import { plantTopics, topicSpecs, type PlantTopics } from './topics'
import { encodeHopEvent, sourceRecord } from './wire'
import { otlpTopicSpec } from '../ingest/otlp/source'
import { monthStartAt, World } from './world'

/**
 * The simulator: plant side (engine) and reference hub on one simulated clock, talking only
 * through the bus. Each step runs the plant side up to a simulated time, produces what it sent,
 * hands the hub what it received (in a fixed order) and runs the hub up to the same time.
 *
 * Two speeds:
 * - live: simulated time = wall clock, a step every `tickMs`;
 * - faster than real time (backfill, clock 'virtual'): steps of `stepMs` simulated time, each
 *   waiting until the hub has received everything sent so far — so the run does not depend on how
 *   the bus interleaves records, and a seed reproduces it exactly — paced at maxEventsPerSecond.
 */

const MIN = 60_000
/** Backfill back-pressure: wait above this many unstored records, go on below BACKLOG_LOW. */
const BACKLOG_HIGH = 100_000
const BACKLOG_LOW = 50_000

export class Simulation {
  readonly options: SimulatorOptions
  readonly plants: PlantModel[]
  readonly topics: PlantTopics[]
  readonly telemetryTopic: string
  readonly world: World
  readonly erp: SimErp
  readonly engine: Engine
  readonly hub: Hub
  readonly operators: Operators
  readonly engineSched: Scheduler
  readonly hubSched: Scheduler
  readonly ctx: EngineContext
  /** The OTLP plants' hub and ERP adapter instrumentation (absent without `otlpPlants`); their spans go to OTLP_TOPIC. */
  readonly otlp: OtlpReporter | undefined
  /** The tapped plants' business topics (absent without `tappedPlants`): their hops become the records their systems publish. */
  readonly tapped: TappedReporter | undefined
  phase: Phase = 'starting'
  private readonly log: Logger
  private readonly outbox: Outbox
  private stopping = false
  /** Records sent to source topics that the hub will never read (deleted by retention first). */
  private lostIntake = 0
  private wake: (() => void) | undefined
  private readonly rate = new RateWindow()
  /** The older part of the backfill while it is written, after the recent one (history.ts). */
  private older: OlderHistory | undefined
  /** Set at the end of an older history (endAt): what is reported from then on. */
  private end: HistoryEnd | undefined
  /** How far what it reported is stored; a resumed older history's quiet part (reported.ts). */
  readonly reports: Reports

  private constructor(
    private readonly deps: SimulatorDeps,
    options: SimulatorOptions,
    outbox: Outbox,
    /** Where simulated time begins: the backfill's start (its recent part's with backfillRecent: history.ts), or the live start. */
    readonly origin: number,
    /** Where the live (or virtual) phase begins: the showcase and a month start happen here. */
    readonly liveStart: number,
    private readonly stateFile: StateFile,
  ) {
    this.options = options
    this.outbox = outbox
    this.log = simulatorLogger(deps)
    const { config } = deps
    this.telemetryTopic = options.telemetryTopic ?? config.env.TELEMETRY_TOPIC
    this.plants = buildPlants(options.seed, options.plants, options.lines)
    this.topics = this.plants.map((p) => plantTopics(options.topicPrefix, p))
    this.otlp = options.otlpPlants.length ? new OtlpReporter(this.plants, options.otlpPlants, `${options.topicPrefix}.sim.hub`) : undefined
    this.tapped = options.tappedPlants.length ? new TappedReporter(this.plants, options.tappedPlants, options.otlpPlants) : undefined
    const prof = profile(options.scenario)
    const monthStart = options.scenario === 'month-start' ? monthStartAt(liveStart, this.plants.map((p) => p.companyCode), options.periodOpensAfterMinutes) : undefined
    this.world = new World(monthStart)
    // Business numbers (work orders, lots, ERP documents) are offset per run so a later run into the
    // same stores never reuses an earlier run's idempotency keys. The first start of a kept demo has
    // no earlier run, so it numbers from the seed alone: the README's example ids exist in every
    // fresh demo (plant 1000's first work order is 155000000001).
    const runId = stateFile.firstKeptStart ? 0 : Math.floor(liveStart / MIN)
    this.erp = new SimErp(this.world, prof.erpLatency, 4_900_000_000 + ((runId * 1009) % 50_000_000))
    this.engineSched = new Scheduler(origin)
    this.hubSched = new Scheduler(origin)
    this.reports = new Reports(origin)
    this.ctx = {
      seed: options.seed,
      sched: this.engineSched,
      world: this.world,
      profile: prof,
      rate: options.backfill > 0 ? (options.backfillRate ?? options.rate) : options.rate,
      weekendFactor: options.weekendFactor,
      peakFactor: options.peakFactor,
      totalLines: this.plants.reduce((n, p) => n + p.lines.length, 0),
      runId,
      emit: (event, plant, system) => this.emit(event, plant, system),
      send: (plant, message, traceparent) => this.send(plant, message, traceparent),
      unsent: new Set(),
      stats: { transactions: {}, plannedFailures: {}, equipmentChanges: 0 } satisfies EngineStats,
    }
    this.engine = new Engine(this.ctx, this.plants)
    this.operators = new Operators({ seed: options.seed, sched: this.hubSched, world: this.world, out: outbox, engine: this.engine, minDelayMs: options.operatorDelayMinutes * MIN, replayBy: deps.replayBy })
    this.hub = new Hub({
      seed: options.seed,
      plants: this.plants,
      topics: this.topics,
      groupId: `${options.topicPrefix}.sim.hub`,
      transport: deps.transport,
      sched: this.hubSched,
      out: outbox,
      erp: this.erp,
      world: this.world,
      emit: (event, plant, system) => this.emit(event, plant, system, true),
      startTime: origin,
      onDeadLetter: options.operators ? (n) => this.operators.onDeadLetter(n) : undefined,
    })
  }

  /** Creates the topics, connects the producer and starts the hub's consumer. */
  static async create(deps: SimulatorDeps): Promise<Simulation> {
    let options = parseSimulatorOptions(deps.options)
    const stateFile = new StateFile(deps.stateDir, simulatorLogger(deps))
    if (stateFile.historyFrom && options.backfill > 0) {
      simulatorLogger(deps).info({ historyFrom: stateFile.historyFrom }, 'an earlier start wrote the history: not backfilling again')
      options = { ...options, backfill: 0 }
    }
    const { liveStart, origin } = runStart(options, deps.transport.kind, Date.now())
    const partitions = new Map<string, number>()
    const outbox = new Outbox(await deps.transport.producer(), partitions)
    const sim = new Simulation(deps, options, outbox, origin, liveStart, stateFile)
    const specs = topicSpecs({ name: sim.telemetryTopic, partitions: deps.config.env.TELEMETRY_PARTITIONS }, sim.topics, options.partitions, options.backfill, sim.tapped?.topics())
    if (sim.otlp) specs.push(otlpTopicSpec(deps.config))
    // Topics that already exist keep their partition count; the specs are a lower bound good enough for chunking.
    for (const t of specs) partitions.set(t.name, t.partitions)
    await deps.transport.ensureTopics(specs)
    await sim.hub.start()
    sim.engine.start(origin)
    const inFlight = stateFile.takeInFlight()
    if (inFlight) sim.resume(inFlight)
    return sim
  }

  /** A hop, as its plant reports it; `fromHub`: an OTLP plant's hub and ERP adapter report theirs as spans. */
  private emit(event: HopEventInput, plant: PlantModel, system: SystemKey, fromHub = false): void {
    if (this.end && !this.end.keeps(event)) return
    if (!this.outbox.quiet?.(this.telemetryTopic)) this.deps.onHopEvent?.(event)
    if (fromHub && this.otlp?.reports(plant, system)) return this.otlp.record(event, plant, system)
    if (this.tapped?.reports(plant)) {
      const business = this.tapped.record(event, plant)
      if (business) this.outbox.add(business.topic, business.record)
      return
    }
    const source = `/plants/${plant.code}/${system}/${event.source?.instance ?? plant.instances[system]}`
    this.outbox.add(this.telemetryTopic, encodeHopEvent(event, plant.encodings[system], source))
  }

  /** From now on, reports only the transactions begun before `at` (the end of an older history: HistoryEnd). */
  endAt(at: number): void {
    const end = (this.end = new HistoryEnd(at, this.topics))
    this.outbox.drop = (topic, record) => end.drops(topic, record)
  }

  private send(plant: PlantModel, message: HubMessage, traceparent: string): void {
    this.outbox.add(this.topics[plant.index]!.source, sourceRecord(message, traceparent))
  }

  /** Runs both sides up to `target` (simulated ms). `waitForHub`: first let the hub receive everything sent so far. */
  async step(target: number, waitForHub: boolean): Promise<void> {
    this.outbox.quiet = this.reports.quietAt(target)
    this.engineSched.runUntil(target)
    await this.flush()
    if (waitForHub) {
      const expected = this.topics.reduce((n, t) => n + this.outbox.sentTo(t.source), 0) - this.lostIntake
      const outcome = await this.hub.waitForIntake(expected, 30_000)
      if (outcome !== 'received' && !this.stopping) {
        const missing = expected - this.hub.stats.received
        if (outcome === 'missing') this.lostIntake += missing
        this.log.warn(
          { missing, outcome, sourceTopics: this.topics.map((t) => t.source) },
          outcome === 'missing'
            ? 'records sent to the hub were deleted before it read them: the source topics keep less history than the backfill writes (raise retention.ms / log.retention.hours to cover it)'
            : 'the hub has not received every record sent within 30 s; going on',
        )
      }
    }
    this.hub.drainIntake()
    this.hubSched.runUntil(target)
    await this.flush()
    this.rate.add(target, this.transactionCount())
  }

  /** Faster than real time from the current simulated time to `to`, paced at maxEventsPerSecond. */
  async runVirtual(to: number): Promise<void> {
    const stepMs = this.options.stepMs ?? (this.deps.transport.kind === 'kafka' ? 300_000 : 10_000)
    const wall0 = Date.now()
    const sent0 = this.outbox.sent
    let t = Math.max(this.engineSched.now, this.hubSched.now)
    while (t < to && !this.stopping) {
      t = Math.min(to, t + stepMs)
      await this.step(t, true)
      this.reports.stepped(t, this.reported())
      const ahead = ((this.outbox.sent - sent0) / this.options.maxEventsPerSecond) * 1000 - (Date.now() - wall0)
      if (ahead > 5) await this.pause(ahead)
      await this.waitForIngest()
      const share = this.deps.loopShare?.pauseMs()
      if (share) await this.pause(share)
    }
  }

  /** Back-pressure (SimulatorDeps.backlog): lets the ingest worker catch up (to `low`) before writing more history. */
  async waitForIngest(high = BACKLOG_HIGH, low = BACKLOG_LOW): Promise<void> {
    const backlog = this.deps.backlog
    // Twice the backlog: the worker does not read every partition as far.
    const stored = async () => {
      const records = backlog ? await backlog() : 0
      this.reports.storedCount(this.reported() - 2 * records)
      return records
    }
    if ((await stored()) <= high) return
    while (!this.stopping && (await stored()) > low) await this.pause(250)
  }

  /** Records reported for the ingest so far, in the backlog's units: hop events, spans, business records. */
  private reported(): number {
    return this.outbox.sentTo(this.telemetryTopic) + (this.otlp?.spans ?? 0) + [...(this.tapped?.records.values() ?? [])].reduce((a, b) => a + b, 0)
  }

  /** Simulated time = wall clock (+ `offset`) until `untilWall` or stop(). */
  async runLive(untilWall?: number, offset = 0): Promise<void> {
    while (!this.stopping) {
      const now = Date.now()
      await this.step(now + offset, false)
      if (untilWall !== undefined && now >= untilWall) return
      await this.pause(this.options.tickMs)
    }
  }

  private async flush(): Promise<void> {
    this.takeSpans()
    for (let failures = 0; ; failures++) {
      try {
        await this.outbox.flush()
        return
      } catch (error) {
        // A broker that rejects the records themselves (e.g. timestamps out of range) will not change its mind.
        if ((error as { retriable?: boolean }).retriable === false || (this.stopping && failures > 2)) throw error
        this.log.warn({ err: error, pending: this.outbox.size, failures: failures + 1 }, 'producing simulator records failed; retrying')
        await this.pause(Math.min(10_000, 500 * 2 ** failures))
      }
    }
  }

  /** The spans ended so far, as export requests in the outbox: produced (and acknowledged) with the step's hop events. */
  private takeSpans(): void {
    if (this.otlp) for (const record of this.otlp.take()) this.outbox.add(this.deps.config.env.OTLP_TOPIC, record)
  }

  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.wake = done
    })
  }

  private transactionCount(): number {
    return Object.values(this.ctx.stats.transactions).reduce((a, b) => a + b, 0)
  }

  /**
   * Ends the run loop at its next step. A step in progress finishes: without its hub's intake unless
   * `wholeStep` (an older history's, whose last step must be the one a resumed run repeats: reported.ts).
   */
  requestStop(wholeStep = false): void {
    this.stopping = true
    this.older?.requestStop()
    this.wake?.()
    if (!wholeStep) this.hub.cancelWait()
  }

  /** After the loop ended: produces what is pending, stops the hub's consumer and keeps what is in flight for the next start. */
  async close(): Promise<void> {
    this.requestStop()
    this.takeSpans()
    await this.outbox.flush().catch((error: unknown) => this.log.warn({ err: error }, 'could not produce the last simulator records'))
    if (this.deps.stateDir !== undefined) {
      // What the plants sent last must be in the hub's hands (or it would be lost with the in-process bus).
      const sent = this.topics.reduce((n, t) => n + this.outbox.sentTo(t.source), 0)
      await this.hub.waitForIntake(sent, 2_000)
      this.hub.drainIntake()
    }
    await this.hub.stop()
    // What the next start resumes: unsent plant messages and the hub's unsettled records.
    if (this.deps.stateDir !== undefined)
      this.stateFile.keepInFlight({ stoppedAt: Math.max(this.engineSched.now, this.hubSched.now), sends: [...this.ctx.unsent], hub: this.hub.inFlightState() })
  }

  /** Takes over the previous run's work in flight at the start. */
  private resume(inFlight: InFlight): void {
    this.engine.resume(inFlight.sends, this.origin)
    this.hub.resume(inFlight.hub, this.origin)
    this.log.info({ unsent: inFlight.sends.length, hub: inFlight.hub.length, stoppedAt: new Date(inFlight.stoppedAt).toISOString() }, 'resuming the work in flight at the last stop')
  }

  stats(): SimulatorStats {
    const simNow = Math.max(this.engineSched.now, this.hubSched.now)
    const byTopic: Record<string, number> = {}
    for (const t of this.topics) byTopic[t.dlq] = this.outbox.sentTo(t.dlq)
    return {
      phase: this.phase,
      writingOlderHistory: this.older !== undefined,
      simTime: new Date(simNow).toISOString(),
      lagMs: this.phase === 'live' ? Math.max(0, Date.now() - simNow) : 0,
      requestedRate: this.ctx.rate,
      achievedRate: this.rate.perSecond(),
      transactions: this.transactionCount(),
      byFlow: { ...this.ctx.stats.transactions },
      plannedFailures: { ...this.ctx.stats.plannedFailures },
      equipmentChanges: this.ctx.stats.equipmentChanges,
      hopEvents: this.outbox.sentTo(this.telemetryTopic),
      otlp: { plants: this.options.otlpPlants, spans: this.otlp?.spans ?? 0, requests: this.otlp ? this.outbox.sentTo(this.deps.config.env.OTLP_TOPIC) : 0 },
      tapped: { plants: this.options.tappedPlants, records: Object.fromEntries(this.tapped?.records ?? []) },
      sourceMessages: this.topics.reduce((n, t) => n + this.outbox.sentTo(t.source), 0),
      deadLetters: { total: Object.values(byTopic).reduce((a, b) => a + b, 0), byTopic },
      erpDocuments: this.erp.documentCount,
      hub: { ...this.hub.stats, deadLettered: { ...this.hub.stats.deadLettered } },
      operators: { ...this.operators.stats },
      topics: { telemetry: this.telemetryTopic, plants: this.topics },
    }
  }

  /** The whole run as the options describe it: backfill, then live or virtual, showcase at the live start. */
  async run(): Promise<void> {
    const { options } = this
    const historyFrom = this.liveStart - options.backfill
    const older = this.origin > historyFrom ? { from: historyFrom, to: this.origin } : undefined
    // Remembered before writing: a stop half-way leaves part of the history, and writing it twice would double it.
    this.stateFile.markHistoryFrom(historyFrom, older)
    if (options.backfill > 0) {
      this.phase = 'backfill'
      const log = older ? this.log.child({ part: 'recent' }) : this.log
      const progress = backfillProgress(log, { from: this.origin, to: this.liveStart, rate: this.ctx.rate }, () => this.hubSched.now, () => this.outbox.sentTo(this.telemetryTopic))
      await this.runVirtual(this.liveStart).then(() => this.waitForIngest(INGESTED, INGESTED)).finally(() => progress.stop())
      progress.written(older ? 'recent history written; the older history follows while live' : 'backfill written')
      // The wall clock moved on while history was written: catch up before going live.
      while (!this.stopping && options.clock === 'realtime' && Date.now() - this.hubSched.now > 1_000) await this.runVirtual(Date.now())
      this.ctx.rate = options.rate
    }
    // A later start takes over the older part a stop cut short (or never began): history.ts.
    const cut = older ? undefined : this.stateFile.olderHistory
    const range = older ?? (cut && { from: Date.parse(cut.from), to: Date.parse(cut.to) })
    if (range && !this.stopping) this.older = new OlderHistory(this.deps, options, range, this.topics, this.stateFile, (deps) => Simulation.create(deps), cut)
    const olderWritten = this.older?.run().finally(() => (this.older = undefined))
    const liveFrom = Math.max(this.hubSched.now, this.engineSched.now, this.liveStart)
    // A restart is not a demo's first minute: forcing a burst of failures again would manufacture incidents.
    if (options.showcase && this.stateFile.firstStart) this.engine.showcase(liveFrom)
    if (options.clock === 'virtual') {
      this.phase = 'virtual'
      await this.runVirtual(options.duration === undefined ? Infinity : liveFrom + options.duration)
    } else {
      this.phase = 'live'
      this.log.info({ rate: options.rate, scenario: options.scenario, plants: this.plants.map((p) => p.code) }, 'simulator live')
      await this.runLive(options.duration === undefined ? undefined : Date.now() + options.duration, liveFrom - Date.now())
    }
    await olderWritten
    this.phase = this.stopping ? 'stopped' : 'done'
  }
}
