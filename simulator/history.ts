import { LocalTransport } from '../server/bus/local'
import type { OutgoingRecord, Transport } from '../server/bus/port'
import type { HopEventInput } from '../server/domain/hop-event'
import type { Logger } from '../server/logger'
import { simulatorLogger, type SimulatorDeps } from './deps'
import { LoopShare } from './loop-share'
import type { SimulatorOptions, SimulatorOptionsInput } from './options'
import type { Simulation } from './simulator'
import type { OlderHistoryState, StateFile } from './state'
import type { PlantTopics } from './topics'

/**
 * The older part of a backfill written in two parts (options.backfillRecent): the recent part is the
 * run itself, from `to` on, written first; this part, [from, to), is a second simulation written
 * afterwards, while the run is live. The console opens on the last day and compares it with the one
 * before, so those are there within two minutes instead of arriving last.
 *
 * The seam at `to`: the recent part begins there as a first start does (plants start their lines,
 * nothing in flight). This part must not leave transactions open there, nor report plants twice
 * after it. So at `to` it goes on for TAIL_MS reporting only the transactions begun before `to`
 * (Simulation.endAt): postings between retries, waits on stock, dead letters and the simulated
 * operators' replays settle as they would have, while its lines' states and counts, and every
 * transaction begun from `to` on, are dropped — the recent part reports those.
 *
 * Its own seed, ERP document range and numbers (a run of its own: runId from its start minute), and
 * its plants' messages to its hub stay on a private in-process bus: on the shared source topics the
 * two hubs would read each other's records. Its hop events, spans, business records and dead letters
 * go to the shared topics like the recent part's. A console replay of one of its dead letters goes to
 * the shared source topic, to the live hub, as any replay does.
 *
 * A stop before it is written does not cut it short: the state file keeps how far it got, and the
 * next start runs it again from its start with the same options, reporting only what the stopped run
 * had not (reported.ts). Its transactions in flight at the stop settle, its operators' replays come.
 */

/** Longer than anything a transaction waits for (the hub's 10-min bound, retries) plus an operator's replay (45 min + ~30 after the fix). */
export const TAIL_MS = 2 * 3_600_000
/**
 * A part of the history is 'written' once the ingest worker stored all but this many of its records
 * (SimulatorDeps.backlog): the log line then means the console has it. Live traffic beside the older
 * part keeps a few hundred in flight.
 */
export const INGESTED = 1_000

export class OlderHistory {
  private sim: Simulation | undefined
  private stopping = false
  private stopRequested: () => void = () => undefined
  private readonly stopped = new Promise<void>((resolve) => (this.stopRequested = resolve))
  private readonly log: Logger

  constructor(
    private readonly deps: SimulatorDeps,
    private readonly options: SimulatorOptions,
    private readonly range: { from: number; to: number },
    private readonly topics: PlantTopics[],
    private readonly state: StateFile,
    private readonly create: (deps: SimulatorDeps) => Promise<Simulation>,
    /** The part as a stopped start left it: this one takes over. */
    private readonly cut?: OlderHistoryState,
  ) {
    this.log = simulatorLogger(deps).child({ part: 'older' })
  }

  requestStop(): void {
    this.stopping = true
    this.stopRequested()
    this.sim?.requestStop(true)
  }

  /** Writes the part; logs (never throws) a failure, which leaves the part missing like a stop does. */
  async run(): Promise<void> {
    // Offsets from 0: its records' coordinates (named by its hops and dead letters) are the same in a resumed run.
    const own = new LocalTransport({ firstOffset: 0 })
    try {
      await this.write(own)
    } catch (error) {
      this.log.error({ err: error }, 'writing the older history failed; it stays incomplete')
    } finally {
      await own.close()
    }
  }

  private async write(own: LocalTransport): Promise<void> {
    const { from, to } = this.range
    if (this.deps.olderHistoryAfter) await Promise.race([this.deps.olderHistoryAfter, this.stopped])
    const input = this.cut?.options ?? this.optionsOfPart()
    this.state.olderHistoryBegun(input)
    const sources = new Set(this.topics.map((t) => t.source))
    // Its operators' replays land inside its tail, those put off to the next shift too.
    const sim = await this.create({ ...this.deps, options: input, transport: privateSources(this.deps.transport, own, sources), logger: this.log, stateDir: undefined, replayBy: to + TAIL_MS - 10 * 60_000, loopShare: this.deps.olderHistoryShare ? new LoopShare(this.deps.olderHistoryShare) : undefined })
    this.sim = sim
    if (this.stopping) sim.requestStop(true)
    sim.phase = 'backfill'
    const { writtenTo, storedBefore } = this.cut ?? {}
    if (writtenTo !== undefined && storedBefore !== undefined) {
      // Hop events and spans are the records whose second copy the ingest absorbs (same event id).
      sim.reports.resume({ writtenTo: Date.parse(writtenTo), storedBefore: Date.parse(storedBefore) }, sources, new Set([sim.telemetryTopic, this.deps.config.env.OTLP_TOPIC]))
      this.log.info({ storedBefore, writtenTo }, 'resuming the older history: simulated again from its start, reported from where the last start stopped')
    }
    const written = () => Math.min(sim.hubSched.now, to)
    const progress = backfillProgress(this.log, { from, to, rate: sim.ctx.rate }, written, () => sim.stats().hopEvents, () => this.state.olderHistoryWritten(sim.reports.reportedTo(sim.hubSched.now), false))
    try {
      await sim.runVirtual(to)
      if (!this.stopping) {
        sim.endAt(to)
        await sim.runVirtual(to + TAIL_MS)
        await sim.waitForIngest(INGESTED, INGESTED)
      }
    } finally {
      progress.stop()
      await sim.close()
    }
    sim.phase = this.stopping ? 'stopped' : 'done'
    this.state.olderHistoryWritten(sim.reports.reportedTo(sim.hubSched.now), !this.stopping)
    if (this.stopping) this.log.warn({ from: new Date(written()).toISOString(), to: new Date(to).toISOString() }, 'stopped before the older history was written: the next start writes the rest')
    else progress.written('backfill written')
  }

  /** The older part's options, from the run's. */
  private optionsOfPart(): SimulatorOptionsInput {
    const { from, to } = this.range
    const { options } = this
    // Not parsed options: create() parses its input, and durations given as numbers are seconds.
    return {
      ...options,
      seed: `${options.seed}/older`,
      start: from,
      duration: `${to - from}ms`,
      clock: 'virtual' as const,
      backfill: 0,
      backfillRecent: 0,
      rate: options.backfillRate ?? options.rate,
      showcase: false,
      // A month start closes the period at the live start: not in the history of this part.
      scenario: options.scenario === 'month-start' ? ('normal' as const) : options.scenario,
    }
  }
}

/**
 * Logs 'backfill started', 'backfill progress' every 10 s (and calls `onProgress`) and, when told,
 * how long the part took: the progress a person watching the first start's log sees.
 */
export function backfillProgress(log: Logger, range: { from: number; to: number; rate: number }, simNow: () => number, hopEvents: () => number, onProgress?: () => void) {
  const { from, to } = range
  log.info({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), rate: range.rate }, 'backfill started')
  const wall0 = Date.now()
  const timer = setInterval(() => {
    const done = Math.floor((100 * (Math.min(simNow(), to) - from)) / (to - from))
    log.info({ done: `${done} %`, simTime: new Date(simNow()).toISOString(), hopEvents: hopEvents() }, 'backfill progress')
    onProgress?.()
  }, 10_000)
  timer.unref()
  return {
    stop: () => clearInterval(timer),
    written: (message: string) => log.info({ seconds: Math.round((Date.now() - wall0) / 1000), hopEvents: hopEvents() }, message),
  }
}

/**
 * What an older history reports from its end `at` on (Simulation.endAt): the transactions begun
 * before it — their hops, spans, business records and dead letters — and nothing else: the recent
 * part, already written, has the plants from `at` on.
 */
export class HistoryEnd {
  /** Correlation ids of transactions begun at or after `at`: their dead letters (keyed by it) are dropped too. */
  private readonly dropped = new Set<string>()
  private readonly dlqTopics: ReadonlySet<string>

  constructor(
    private readonly at: number,
    topics: PlantTopics[],
  ) {
    this.dlqTopics = new Set(topics.map((t) => t.dlq))
  }

  keeps(event: HopEventInput): boolean {
    if (Date.parse(event.origin_time ?? event.occurred_at) < this.at) return true
    this.dropped.add(event.correlation_id)
    return false
  }

  drops(topic: string, record: OutgoingRecord): boolean {
    return this.dlqTopics.has(topic) && record.key != null && this.dropped.has(String(record.key))
  }
}

/** `shared` with the topics in `sources` on `own` instead: producing to them, consuming them, creating them. */
function privateSources(shared: Transport, own: Transport, sources: ReadonlySet<string>): Transport {
  const on = (topic: string) => (sources.has(topic) ? own : shared)
  return {
    kind: shared.kind,
    async ensureTopics(specs) {
      await own.ensureTopics(specs.filter((s) => sources.has(s.name)))
      await shared.ensureTopics(specs.filter((s) => !sources.has(s.name)))
    },
    listTopics: () => shared.listTopics(),
    endOffsets: (topic) => on(topic).endOffsets(topic),
    readPartition: (topic, partition, from, to) => on(topic).readPartition(topic, partition, from, to),
    topicRetentionMs: (topic) => on(topic).topicRetentionMs(topic),
    startGroupAtTime: (groupId, topic, timestamp) => on(topic).startGroupAtTime(groupId, topic, timestamp),
    consumer: (options) => (Array.isArray(options.topics) && options.topics.every((t) => sources.has(t)) ? own : shared).consumer(options),
    async producer() {
      const [mine, theirs] = await Promise.all([own.producer(), shared.producer()])
      return { send: (topic, records) => (sources.has(topic) ? mine : theirs).send(topic, records) }
    },
    close: () => own.close(),
  }
}
