/**
 * Who uses the embedded engine next. chDB runs one statement at a time per process, in the order
 * they were sent (measured on chDB 3.4: a 2 ms SELECT sent during a 1.5 s one returned after
 * 1.45 s; a rawInsert likewise). Sent as they come, a console read queues behind every insert sent
 * before it: during the demo's first start (every telemetry partition in flight, each with its
 * payloads insert) reads with well under a second of engine time waited 10–100 s, a KPI request
 * took over two minutes, and the replay resolver fell so far behind that every plant showed its
 * dead letters as open.
 *
 * So the exec seam asks for a turn before it sends a statement: at most `inEngine` statements are
 * in the engine at once (two: the next one is already waiting there when one ends, so the engine
 * never idles while this process's event loop is busy), and a free turn goes to the oldest waiting
 * read unless the oldest waiting write has waited `writeMaxWaitMs` — reads are short and someone is
 * usually waiting for them; writes still move while the console is busy. The engine's throughput is
 * unchanged: it ran one statement at a time already. A ClickHouse server schedules its own work
 * and gets no turns (client.ts).
 */

export type TurnKind = 'read' | 'write'

interface Waiting {
  start: () => void
  since: number
}

export interface TurnOptions {
  inEngine?: number
  writeMaxWaitMs?: number
  now?: () => number
}

export class EngineTurns {
  private running = 0
  private readonly reads: Waiting[] = []
  private readonly writes: Waiting[] = []
  private readonly inEngine: number
  private readonly writeMaxWaitMs: number
  private readonly now: () => number

  constructor(options: TurnOptions = {}) {
    this.inEngine = options.inEngine ?? 2
    this.writeMaxWaitMs = options.writeMaxWaitMs ?? 1_000
    this.now = options.now ?? (() => performance.now())
  }

  /** Runs `send` (one engine statement) in its turn; resolves or rejects with it. */
  async run<T>(kind: TurnKind, send: () => Promise<T>): Promise<T> {
    if (this.running < this.inEngine) this.running++
    else await new Promise<void>((start) => (kind === 'read' ? this.reads : this.writes).push({ start, since: this.now() }))
    try {
      return await send()
    } finally {
      this.next()
    }
  }

  /** Statements waiting for a turn, by kind (the tests read it). */
  get waiting(): { reads: number; writes: number } {
    return { reads: this.reads.length, writes: this.writes.length }
  }

  private next(): void {
    const write = this.writes[0]
    const due = write !== undefined && (this.reads.length === 0 || this.now() - write.since >= this.writeMaxWaitMs)
    const turn = due ? this.writes.shift() : this.reads.shift()
    // The turn passes on: `running` stays as it is.
    if (turn) turn.start()
    else this.running--
  }
}
