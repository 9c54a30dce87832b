/**
 * How far a run faster than real time got with what it reported, so that a stopped older history
 * (history.ts) can be resumed without a gap and without reporting anything twice that is not
 * absorbed downstream.
 *
 * A simulation faster than real time is deterministic for its seed: steps to the same simulated
 * times, run again, build the same messages, hops (same event ids), dead letters and replays. So a
 * resumed history does not need the simulation's state: it runs again from its start and keeps
 * quiet about what the stopped run reported already (Outbox.quiet). Two points matter:
 * - `writtenTo`: the last step the stopped run completed. Everything up to it was produced.
 * - `storedBefore`: the last step up to which the ingest had stored everything it reported (from
 *   the backlog the run waits on). The in-process bus loses what is not stored at a stop, so
 *   between the two the resumed run produces the hop events and spans again: the ingest absorbs a
 *   re-sent event id (CLICKHOUSE.md, the ReplacingMergeTree key and the rollups' distinct
 *   counts). Dead letters and tapped business records are identified by their offsets, a second
 *   copy would be a second one: those stay quiet up to `writtenTo`.
 */
export interface ReportedTo {
  storedBefore: number
  writtenTo: number
}

/** A run faster than real time keeps one: how far what it reported is stored, and what a resumed run keeps quiet. */
export class Reports {
  /** Steps not known to be stored: their simulated end and how many records were reported by then. */
  private readonly steps: [target: number, reported: number][] = []
  private storedBefore: number
  /** A resumed run: how far the stopped one got, and the topics quietTopics sets apart. */
  private resumed: { reported: ReportedTo; own: ReadonlySet<string>; idempotent: ReadonlySet<string> } | undefined

  constructor(start: number) {
    this.storedBefore = start
  }

  /** A step to `target` ended, `reported` records (hops, spans, business records) reported so far. */
  stepped(target: number, reported: number): void {
    this.steps.push([target, reported])
  }

  /** At least the first `count` records reported are stored. */
  storedCount(count: number): void {
    while (this.steps.length > 0 && this.steps[0]![1] <= count) this.storedBefore = this.steps.shift()![0]
  }

  /** This run resumes a stopped one that reported `reported`; `own` and `idempotent` as in quietTopics. */
  resume(reported: ReportedTo, own: ReadonlySet<string>, idempotent: ReadonlySet<string>): void {
    this.resumed = { reported, own, idempotent }
  }

  /** The topics a step to `target` keeps quiet (Outbox.quiet). */
  quietAt(target: number): ((topic: string) => boolean) | undefined {
    const r = this.resumed
    return r && quietTopics(r.reported, target, r.own, r.idempotent)
  }

  /** How far the run reported, having run to `now`: with a resumed run's, never less than the stopped one's. */
  reportedTo(now: number): ReportedTo {
    const stopped = this.resumed?.reported ?? { storedBefore: this.storedBefore, writtenTo: now }
    return { storedBefore: Math.max(this.storedBefore, stopped.storedBefore), writtenTo: Math.max(now, stopped.writtenTo) }
  }
}

/**
 * What a step to `target` of a resumed run keeps quiet: every topic but its own (`own`: its private
 * source topics, which its hub must read again) up to `storedBefore`, and after that up to
 * `writtenTo` those a second copy would count twice (all but `idempotent`). Undefined: nothing.
 */
export function quietTopics(resumed: ReportedTo, target: number, own: ReadonlySet<string>, idempotent: ReadonlySet<string>): ((topic: string) => boolean) | undefined {
  if (target > resumed.writtenTo) return undefined
  if (target > resumed.storedBefore) return (topic) => !own.has(topic) && !idempotent.has(topic)
  return (topic) => !own.has(topic)
}
