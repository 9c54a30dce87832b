import type { BusRecord } from '../../server/bus/port'
import type { RecordItem, RecordSource, TappedTopics } from '../telemetry/source'
import { isTopicPattern, topicPattern } from '../../server/domain/topics'
import type { HopEvent } from '../../server/domain/hop-event'
import type { CompiledTap, TapMapResult } from './map'
import { tapMetrics } from './metrics'
import type { OriginGate, TapClock } from './origin-gate'

/**
 * One tap as a telemetry pipeline's source: the tapped topic(s) in the tap's own consumer group
 * `linetrace-tap-<name>`, each record mapped by the tap's current mapping. A record the mapping
 * cannot handle is dead-lettered (reason `tap_<reason>`, the tap, field and expression in the
 * errors). The source counts what it mapped and what failed, and watches the failure rate: over
 * the last WINDOW records (at least MIN_SEEN seen), more than `maxErrorRate` failed → `onPause`
 * with the reason, once; the runner stops the tap's consumer then.
 */

export const WINDOW = 1_000
export const MIN_SEEN = 100

export interface TapCounts {
  mapped: number
  failed: number
  lastError: string | undefined
  lastErrorAt: Date | undefined
}

export const tapGroupId = (name: string) => `linetrace-tap-${name}`

export interface TapSourceOptions {
  /** The DLQ topic: a /regex/ tap never subscribes to it (its failures would feed it). */
  dlqTopic: string
  /** Where a group without commits starts: a start time is committed before (startGroupAtTime). */
  fromBeginning: boolean
  onPause(reason: string): void
  /** The taps' origin gate and this tap's clock on it (origin-gate.ts). */
  origins?: { gate: OriginGate; clock: TapClock }
}

export class TapSource implements RecordSource<Promise<RecordItem>> {
  readonly topic: TappedTopics
  readonly groupId: string
  readonly name: string
  readonly counts: TapCounts = { mapped: 0, failed: 0, lastError: undefined, lastErrorAt: undefined }
  /** The last WINDOW outcomes, true for a failure (a ring). */
  private readonly window = new Uint8Array(WINDOW)
  private seen = 0
  private failures = 0
  private paused = false
  private readonly m = tapMetrics()
  /** Deliveries mapped by `prepare`, until read (weak: a delivery given up on takes its own along). */
  private readonly mapped = new WeakMap<BusRecord, TapMapResult>()

  constructor(
    private compiled: CompiledTap,
    private readonly options: TapSourceOptions,
  ) {
    const { name, topic } = compiled.definition
    this.name = `tap ${name}`
    this.groupId = tapGroupId(name)
    this.topic = {
      name: topic,
      subscribe: isTopicPattern(topic) ? excluding(topicPattern(topic), options.dlqTopic) : [topic],
      fromBeginning: options.fromBeginning,
    }
  }

  get definition() {
    return this.compiled.definition
  }

  /** A changed mapping of the same topic: records read from now on use it (the consumer keeps going). */
  swap(compiled: CompiledTap): void {
    this.compiled = compiled
  }

  /** After a resume: the failures that paused the tap are not counted against it again. */
  resetWindow(): void {
    this.window.fill(0)
    this.seen = this.failures = 0
    this.paused = false
  }

  /** A delivery mapped ahead of its reads, so the gate recalls its stored origins in one lookup. */
  async prepare(records: readonly BusRecord[]): Promise<void> {
    const gate = this.options.origins?.gate
    if (!gate) return
    const events: HopEvent[] = []
    for (const record of records) {
      const result = await this.compiled.map(record)
      this.mapped.set(record, result)
      if (result.ok) events.push(result.event)
    }
    await gate.recall(events)
  }

  async read(record: BusRecord): Promise<RecordItem> {
    const tap = this.compiled.definition.name
    const result = this.mapped.get(record) ?? (await this.compiled.map(record))
    this.mapped.delete(record)
    if (result.ok) {
      if (this.options.origins) await this.options.origins.gate.take(this.options.origins.clock, record, result.event)
      this.note(false)
      this.counts.mapped++
      this.m.records.inc({ tap, result: 'mapped' })
      return { ok: true, event: result.event, encoding: 'json', payloadJson: result.payloadJson, payloadTruncated: result.payloadTruncated }
    }
    this.counts.failed++
    this.counts.lastError = `${record.topic}/${record.partition}@${record.offset}: ${result.message}`
    this.counts.lastErrorAt = new Date()
    this.m.records.inc({ tap, result: 'failed' })
    this.note(true)
    return { ok: false, reason: `tap_${result.reason}`, errors: dlqErrors(tap, result) }
  }

  private note(failed: boolean): void {
    const slot = this.seen % WINDOW
    if (this.seen >= WINDOW) this.failures -= this.window[slot]!
    this.window[slot] = failed ? 1 : 0
    if (failed) this.failures++
    this.seen++
    if (!failed || this.paused) return
    const counted = Math.min(this.seen, WINDOW)
    const max = this.compiled.definition.maxErrorRate
    if (counted >= MIN_SEEN && this.failures / counted > max) {
      this.paused = true
      this.options.onPause(
        `${this.failures} of the last ${counted} records failed to map (more than ${Math.round(max * 100)}%); last: ${this.counts.lastError}`,
      )
    }
  }
}

/** What the dead letter says: the tap first, then the field and the expression that failed. */
function dlqErrors(tap: string, result: Extract<TapMapResult, { ok: false }>) {
  return [
    { path: '', message: `tap ${tap}: ${result.message}` },
    ...(result.field ? [{ path: result.field, message: result.expression === undefined ? result.reason : `expression ${result.expression}` }] : []),
  ]
}

/** The tap's pattern, never matching the topic its failures are written to. */
function excluding(pattern: RegExp, topic: string): RegExp {
  const escaped = topic.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`^(?!${escaped}$)(?:${pattern.source})`, pattern.flags)
}
