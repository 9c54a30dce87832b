import type { BusConsumer, BusRecord, Headers, OutgoingRecord, ProducedRecord, Transport } from '../../server/bus/port'
import type { HopError, HopEventInput } from '../../server/domain/hop-event'
import { Trail, type HopSpec, type Replay } from '../hop'
import { iso, parseTraceparent, sscc, traceId } from '../ids'
import type { PlantModel, SystemKey } from '../model'
import type { Outbox } from '../outbox'
import { Rng } from '../prng'
import type { Scheduler } from '../scheduler'
import type { PlantTopics } from '../topics'
import { dependencyKey, type World } from '../world'
import { deadLetterRecord, type DeadLetterReason } from './dlq'
import type { SimErp } from './erp'
import { backflushMovement, businessOf, movementTypeOf, postedQuantity, requestOf, scopeOf, targetOf } from './mapping'
import { hubMessageSchema, type GoodsMovementMessage, type HubMessage, type PostingMessage } from '../../server/domain/flow-messages'
import { validationError } from './sap-errors'

/**
 * The reference integration hub: the middleware stand-in between the plants and ERP. It consumes
 * the plants' source topics, validates and transforms each message, posts it to the simulated
 * ERP, and reports every step as a hop event. It behaves like the middleware Linetrace watches:
 * - transient failures (locks, HTTP 429/503/504, CSRF) are retried with back-off (30 s, 2 min,
 *   5 min) and dead-lettered when attempts run out;
 * - a stock deficit waits on its dependency key until the matching transfer posts in ERP (or
 *   stock shows up at a periodic re-check), and is dead-lettered after a bound;
 * - permanent failures are dead-lettered at once (no retry storm on a closed period);
 * - an HTTP 504 means "outcome unknown": before retrying, the hub looks the idempotency key up in
 *   ERP and records a reconciled success if ERP did post (flow I);
 * - a replay (x-replay-id) is processed like live traffic with `replay` set on its hops, and is
 *   looked up by idempotency key first: one already posted yields a reconciled success with the
 *   existing document, never a second one.
 *
 * Records are handled on the simulated clock at their own timestamp (replays: at "now"), so what
 * happens depends on the record, not on when the bus delivered it.
 */

export const MAX_ATTEMPTS = 4
export const BACKOFF_MS = [30_000, 120_000, 300_000] as const
/** How long a posting waits for its dependency before it is dead-lettered. */
export const DEPENDENCY_BOUND_MS = 10 * 60_000
/** Between transfers, a waiting posting asks ERP for stock this often (a goods receipt also helps). */
const RECHECK_MS = 2 * 60_000

export interface DeadLetterNotice {
  plant: PlantModel
  topics: PlantTopics
  dlq: ProducedRecord
  record: OutgoingRecord
  error: HopError
  reason: DeadLetterReason
  at: number
  /** The replayable message (for a partial posting: the failed movement). */
  message?: HubMessage
}

export interface HubDeps {
  seed: string
  plants: PlantModel[]
  topics: PlantTopics[]
  groupId: string
  transport: Transport
  sched: Scheduler
  out: Outbox
  erp: SimErp
  world: World
  emit(event: HopEventInput, plant: PlantModel, system: SystemKey): void
  /** Records older than this are handled as if they arrived now (a backlog from an earlier run). */
  startTime: number
  onDeadLetter?(notice: DeadLetterNotice): void
}

export interface HubStats {
  received: number
  replays: number
  postingRequests: number
  posted: number
  reconciled: number
  partial: number
  failedAttempts: number
  retriesScheduled: number
  waiting: number
  invalid: number
  deadLettered: Record<DeadLetterReason, number>
}

interface Txn {
  record: BusRecord
  plant: PlantModel
  topics: PlantTopics
  msg?: HubMessage
  trail: Trail
  rng: Rng
  attempt: number
  /** The last call ended in a timeout: look ERP up before posting again. */
  unknownOutcome: boolean
  firstFailedAt?: number
  lastError?: HopError
  wait?: { key: string; deadline: number }
  waitToken: number
  replay?: Replay
}

const header = (h: Headers, name: string): string | undefined => {
  const v = h[name]
  const b = Array.isArray(v) ? v[v.length - 1] : v
  return b?.toString('utf8')
}

export class Hub {
  private consumer: BusConsumer | undefined
  private intake: BusRecord[] = []
  private intakeWaiter: { count: number; resolve: () => void } | undefined
  private readonly waiters = new Map<string, Set<Txn>>()
  private readonly bySource = new Map<string, { plant: PlantModel; topics: PlantTopics }>()
  readonly stats: HubStats = {
    received: 0,
    replays: 0,
    postingRequests: 0,
    posted: 0,
    reconciled: 0,
    partial: 0,
    failedAttempts: 0,
    retriesScheduled: 0,
    waiting: 0,
    invalid: 0,
    deadLettered: { permanent: 0, retries_exhausted: 0, dependency_timeout: 0, partial: 0, validation: 0 },
  }

  constructor(private readonly deps: HubDeps) {
    for (const topics of deps.topics) {
      const plant = deps.plants.find((p) => p.code === topics.plant)
      if (plant) this.bySource.set(topics.source, { plant, topics })
    }
  }

  get sourceTopics(): string[] {
    return [...this.bySource.keys()]
  }

  async start(): Promise<void> {
    this.consumer = this.deps.transport.consumer({ groupId: this.deps.groupId, topics: this.sourceTopics, fromBeginning: true })
    // Records are only queued here; the driver hands them to the scheduler in a fixed order.
    await this.consumer.run(async (batch) => {
      for (const r of batch.records) this.intake.push(r)
      this.stats.received += batch.records.length
      if (this.intakeWaiter && this.stats.received >= this.intakeWaiter.count) {
        this.intakeWaiter.resolve()
        this.intakeWaiter = undefined
      }
    })
  }

  async stop(): Promise<void> {
    await this.consumer?.stop()
    this.intakeWaiter?.resolve()
  }

  /** Lets a pending waitForIntake() return at once (stopping). */
  cancelWait(): void {
    this.intakeWaiter?.resolve()
    this.intakeWaiter = undefined
  }

  /**
   * Waits until `count` records were received: 'received', or 'missing' when the consumer has
   * nothing left to read although fewer arrived — retention deleted them before they were read
   * (a week of history on a broker keeping a day) — or 'timeout'.
   */
  async waitForIntake(count: number, timeoutMs: number): Promise<'received' | 'missing' | 'timeout'> {
    const deadline = Date.now() + timeoutMs
    // Growing slices: records usually arrive within milliseconds, and asking a broker for lag costs a round trip.
    for (let slice = 10; this.stats.received < count; slice = Math.min(250, slice * 2)) {
      const left = deadline - Date.now()
      if (left <= 0) return 'timeout'
      if (await this.received(count, Math.min(slice, left))) return 'received'
      const lag = await this.consumer?.lag().catch(() => undefined)
      if (lag && lag.every((l) => l.lag === 0) && this.stats.received < count) return 'missing'
    }
    return 'received'
  }

  private received(count: number, timeoutMs: number): Promise<boolean> {
    if (this.stats.received >= count) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.intakeWaiter = undefined
        resolve(false)
      }, timeoutMs)
      this.intakeWaiter = {
        count,
        resolve: () => {
          clearTimeout(timer)
          resolve(true)
        },
      }
    })
  }

  /** Schedules what arrived since the last call, sorted by time and position so the run does not depend on delivery order. */
  drainIntake(): number {
    if (this.intake.length === 0) return 0
    const records = this.intake
    this.intake = []
    records.sort(
      (a, b) =>
        a.timestamp - b.timestamp ||
        (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0) ||
        a.partition - b.partition ||
        (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1),
    )
    for (const r of records) this.accept(r)
    return records.length
  }

  private accept(record: BusRecord): void {
    const replayId = header(record.headers, 'x-replay-id')
    const replay: Replay | undefined = replayId
      ? {
          replay_id: replayId,
          requested_by: header(record.headers, 'x-replayed-by'),
          reason: header(record.headers, 'x-replay-reason'),
          edited: header(record.headers, 'x-replay-edited') === 'true' ? true : undefined,
        }
      : undefined
    if (replay) this.stats.replays++
    // A replay happens now, whatever its original record's time; live records at their own time.
    const t0 = replay ? this.deps.sched.now : Math.max(record.timestamp, this.deps.startTime)
    this.deps.sched.at(t0, (t) => this.receive(record, t, replay))
  }

  private emitAt(tx: Txn, spec: HopSpec, from?: { eventId?: string; spanId?: string }): void {
    const event = tx.trail.hop(spec, from)
    this.deps.sched.at(spec.at, () => this.deps.emit(event, tx.plant, spec.system))
  }

  private receive(record: BusRecord, t: number, replay: Replay | undefined): void {
    const route = this.bySource.get(record.topic)
    if (!route) return
    const { plant, topics } = route
    const text = record.value?.toString('utf8') ?? ''
    let parsed: unknown
    let problems: string[] = []
    try {
      parsed = JSON.parse(text)
    } catch (error) {
      problems = [`the value is not JSON (${(error as Error).message})`]
    }
    let msg: HubMessage | undefined
    if (problems.length === 0) {
      const result = hubMessageSchema.safeParse(parsed)
      if (result.success) msg = result.data
      else problems = result.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`)
    }
    const raw: Record<string, unknown> = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {}
    const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined)

    const coordinates = `${record.topic}/${record.partition}/${record.offset}`
    const correlationId = str(raw.correlation_id) ?? header(record.headers, 'correlation_id') ?? record.key?.toString('utf8') ?? coordinates
    const idempotencyKey = str(raw.idempotency_key) ?? header(record.headers, 'idempotency_key')
    const messageId = str(raw.message_id)
    const rng = Rng.of(this.deps.seed, 'hub', messageId ?? coordinates, replay?.replay_id ?? '', idempotencyKey ?? '')
    const tp = parseTraceparent(header(record.headers, 'traceparent') ?? header(record.headers, 'x-original-traceparent'))
    const origin = Date.parse(str(raw.origin_time) ?? '')
    const trail = new Trail(
      {
        plant,
        flow: str(raw.flow) ?? header(record.headers, 'x-flow') ?? 'unknown',
        correlationId: correlationId.slice(0, 128),
        originTime: Number.isFinite(origin) ? origin : t,
        idempotencyKey,
        traceId: tp?.traceId ?? traceId(rng),
        line: plant.lines.find((l) => l.id === raw.line),
        business: businessOf(raw),
        replay,
      },
      rng,
      { eventId: messageId, spanId: tp?.spanId },
    )
    const tx: Txn = { record, plant, topics, msg, trail, rng, attempt: 0, unknownOutcome: false, waitToken: 0, replay }

    const sentAt = Date.parse(str(raw.sent_at) ?? '')
    let at = t + rng.int(2, 30)
    this.emitAt(tx, {
      type: 'integration.message_received',
      hop: 'hub',
      system: 'hub',
      status: 'ok',
      at,
      latencyMs: replay || !Number.isFinite(sentAt) ? at - t : Math.max(0, at - sentAt),
      attributes: { source_topic: record.topic, source_partition: String(record.partition), source_offset: record.offset, message_type: str(raw.message_type) ?? 'unknown' },
      payload: problems.length && raw !== parsed ? text.slice(0, 4096) : raw,
    })
    at += rng.int(1, 8)
    if (!msg) {
      this.stats.invalid++
      const error = validationError(problems)
      tx.firstFailedAt = at
      this.emitAt(tx, { type: 'integration.validation_failed', hop: 'hub', system: 'hub', status: 'error', at, error, latencyMs: 2 })
      this.deadLetter(tx, at + rng.int(2, 20), error, 'validation')
      return
    }
    this.emitAt(tx, { type: 'integration.validated', hop: 'hub', system: 'hub', status: 'ok', at, latencyMs: rng.int(1, 6) })
    at += rng.int(2, 25)
    this.emitAt(tx, { type: 'integration.transformed', hop: 'hub', system: 'hub', status: 'ok', at, latencyMs: rng.int(1, 15), attributes: { target: targetOf(msg) } })

    switch (msg.message_type) {
      case 'ProductionConfirmation':
      case 'GoodsMovement':
        this.post(tx, at + rng.int(5, 40))
        return
      case 'QualityHold':
        this.fanOutHold(tx, at, Number.isFinite(sentAt) ? sentAt : t)
        return
      case 'WorkOrderRelease': {
        const done = at + rng.int(500, 5_000)
        this.emitAt(tx, {
          type: 'plan.work_order_status_changed',
          hop: 'mes',
          system: 'mes',
          status: 'ok',
          at: done,
          latencyMs: done - at,
          attributes: { status: 'REL', previous_status: 'CRTD', downloaded_to: 'MES' },
        })
        return
      }
    }
  }

  private post(tx: Txn, t: number): void {
    const msg = tx.msg as PostingMessage
    const key = msg.idempotency_key
    if ((tx.replay && tx.attempt === 0) || tx.unknownOutcome) {
      // Idempotency check before posting what may already be posted (a replay, or an unknown outcome).
      const found = this.deps.erp.lookup(key)
      const at = t + tx.rng.int(60, 400)
      if (found) {
        this.stats.reconciled++
        tx.attempt++
        this.emitAt(tx, {
          type: 'erp.posting_succeeded',
          hop: 'erp',
          system: 'erp',
          status: 'ok',
          at,
          attempt: tx.attempt,
          latencyMs: at - t,
          business: { ...postedQuantity(msg), erp_document: found.document },
          attributes: { reconciled: 'true', reconciled_via: 'idempotency_key_lookup', original_posted_at: iso(found.postedAt) },
        })
        // A replay of something already posted changes nothing downstream; a 504 that did post still needs its putaway.
        this.afterPosted(tx, at, !tx.replay)
        return
      }
      tx.unknownOutcome = false
      t = at
    }
    tx.attempt++
    this.stats.postingRequests++
    this.emitAt(tx, {
      type: 'erp.posting_requested',
      hop: 'erp',
      system: 'erp',
      status: 'ok',
      at: t,
      attempt: tx.attempt,
      attributes: { interface: msg.message_type === 'ProductionConfirmation' ? 'BAPI_PRODORDCONF_CREATE_TT' : 'BAPI_GOODSMVT_CREATE', movement_type: movementTypeOf(msg) },
    })
    const response = this.deps.erp.post(requestOf(msg, tx.plant, tx.replay !== undefined), t, tx.attempt, tx.rng)
    this.deps.sched.at(t + response.latencyMs, (end) => {
      const latencyMs = end - t
      switch (response.kind) {
        case 'posted':
        case 'duplicate': {
          const reconciled = response.kind === 'duplicate'
          if (reconciled) this.stats.reconciled++
          else this.stats.posted++
          this.emitAt(tx, {
            type: 'erp.posting_succeeded',
            hop: 'erp',
            system: 'erp',
            status: 'ok',
            at: end,
            attempt: tx.attempt,
            latencyMs,
            business: { ...postedQuantity(msg), erp_document: response.document },
            attributes: reconciled ? { reconciled: 'true', reconciled_via: 'erp_duplicate_check' } : scopeOf(msg),
          })
          this.afterPosted(tx, end, !reconciled)
          return
        }
        case 'partial': {
          this.stats.partial++
          this.emitAt(tx, {
            type: 'erp.posting_partially_succeeded',
            hop: 'erp',
            system: 'erp',
            status: 'partial',
            at: end,
            attempt: tx.attempt,
            latencyMs,
            error: response.error,
            business: { ...postedQuantity(msg), erp_document: response.document },
            attributes: { failed_movements: '1', failed_material: response.failed.material, confirmation_document: response.document },
          })
          this.afterPosted(tx, end, true)
          const movement = backflushMovement(msg as Extract<PostingMessage, { message_type: 'ProductionConfirmation' }>, response.failed, response.document, end, tx.plant)
          tx.firstFailedAt = end
          this.deadLetter(tx, end + tx.rng.int(5, 50), response.error, 'partial', movement)
          return
        }
        case 'failed':
          this.onFailure(tx, response.error, end, latencyMs)
      }
    })
  }

  private onFailure(tx: Txn, error: HopError, t: number, latencyMs: number): void {
    this.stats.failedAttempts++
    tx.lastError = error
    tx.firstFailedAt ??= t
    this.emitAt(tx, { type: 'erp.posting_failed', hop: 'erp', system: 'erp', status: 'error', at: t, attempt: tx.attempt, latencyMs, error })
    const next = t + tx.rng.int(2, 20)
    if (error.category === 'transient') {
      if (tx.attempt >= MAX_ATTEMPTS) return this.deadLetter(tx, next, error, 'retries_exhausted')
      const delay: number = BACKOFF_MS[Math.min(tx.attempt, BACKOFF_MS.length) - 1]!
      if (error.http_status === 504) tx.unknownOutcome = true
      this.retryScheduled(tx, next, { trigger: 'transient', retry_in_ms: String(delay), retry_at: iso(next + delay), error_code: error.code })
      this.deps.sched.at(next + delay, (tt) => this.post(tx, tt))
      return
    }
    if (error.category === 'dependency' && error.dependency_key) return this.waitOn(tx, error.dependency_key, next)
    this.deadLetter(tx, next, error, 'permanent')
  }

  /** The hub's `erp.retry_scheduled` hop: why it retries (`trigger`) and when, on top of the next attempt number. */
  private retryScheduled(tx: Txn, at: number, attributes: Record<string, string>): void {
    this.stats.retriesScheduled++
    this.emitAt(tx, {
      type: 'erp.retry_scheduled',
      hop: 'hub',
      system: 'hub',
      status: 'retrying',
      at,
      attempt: tx.attempt,
      attributes: { ...attributes, next_attempt: String(tx.attempt + 1) },
    })
  }

  private waitOn(tx: Txn, key: string, t: number): void {
    if (!tx.wait) {
      tx.wait = { key, deadline: t + DEPENDENCY_BOUND_MS }
      this.retryScheduled(tx, t, { trigger: 'dependency', dependency_key: key, wait_until: iso(t + DEPENDENCY_BOUND_MS) })
    } else tx.wait.key = key
    let set = this.waiters.get(key)
    if (!set) this.waiters.set(key, (set = new Set()))
    if (!set.has(tx)) this.stats.waiting++
    set.add(tx)
    const token = ++tx.waitToken
    this.deps.sched.at(Math.min(t + RECHECK_MS, tx.wait.deadline), (tt) => this.recheck(tx, token, tt))
  }

  private recheck(tx: Txn, token: number, t: number): void {
    if (tx.waitToken !== token || !tx.wait) return
    const { key, deadline } = tx.wait
    if (this.deps.world.stockAvailable(key, t)) {
      this.unwait(tx)
      this.post(tx, t + tx.rng.int(200, 2_000))
    } else if (t >= deadline) {
      this.unwait(tx)
      const last = tx.lastError!
      this.deadLetter(tx, t, { ...last, text: `${last.text} (no stock within ${DEPENDENCY_BOUND_MS / 60_000} min)` }, 'dependency_timeout')
    } else {
      const next = ++tx.waitToken
      this.deps.sched.at(Math.min(t + RECHECK_MS, deadline), (tt) => this.recheck(tx, next, tt))
    }
  }

  private unwait(tx: Txn): void {
    if (!tx.wait) return
    if (this.waiters.get(tx.wait.key)?.delete(tx)) this.stats.waiting--
    tx.waitToken++
  }

  /** A transfer posted for `key`: every posting waiting on it tries again. */
  private released(key: string, t: number): void {
    this.deps.world.resolveDeficit(key, t)
    const set = this.waiters.get(key)
    if (!set) return
    this.waiters.delete(key)
    for (const tx of set) {
      this.stats.waiting--
      tx.waitToken++
      const at = t + tx.rng.int(500, 3_000)
      this.deps.sched.at(at, (tt) => this.post(tx, tt))
    }
  }

  private afterPosted(tx: Txn, t: number, downstream: boolean): void {
    const msg = tx.msg as PostingMessage
    if (msg.message_type === 'GoodsMovement' && msg.movement_type === '311')
      this.released(dependencyKey(msg.material, tx.plant.code, msg.to_storage_location ?? tx.plant.slocs.supply, msg.batch), t)
    if (msg.message_type !== 'ProductionConfirmation' || !downstream || msg.yield <= 0) return
    // Putaway of the produced lot, reported by the warehouse once ERP booked the goods receipt.
    const at = t + tx.rng.int(10_000, 120_000)
    const finished = tx.plant.materials.get(msg.material)?.kind === 'FERT'
    this.emitAt(tx, {
      type: 'inventory.transfer_posted',
      hop: 'wms',
      system: 'wms',
      status: 'ok',
      at,
      latencyMs: at - t,
      storageLocation: finished ? tx.plant.slocs.finished : tx.plant.slocs.supply,
      business: { handling_unit: sscc(tx.plant.gs1Prefix, tx.rng.int(0, 999_999_999)), quantity: { good: msg.yield, uom: msg.uom } },
      attributes: { movement: 'putaway', warehouse_task: tx.rng.digits(10) },
    })
  }

  private fanOutHold(tx: Txn, t: number, placedAt: number): void {
    const { rng } = tx
    const from = { eventId: tx.trail.lastEventId, spanId: tx.trail.lastSpanId }
    // MES is usually fast but sometimes minutes late: that gap is where hold leakage happens.
    const delays: [SystemKey, number][] = [
      ['mes', rng.chance(0.15) ? rng.uniform(120_000, 480_000) : rng.uniform(2_000, 30_000)],
      ['wms', rng.uniform(5_000, 180_000)],
      ['erp', rng.uniform(20_000, 360_000)],
    ]
    for (const [system, delay] of delays) {
      const at = t + delay
      this.emitAt(
        tx,
        {
          type: 'quality.hold_applied',
          hop: system,
          system,
          status: 'ok',
          at,
          latencyMs: at - placedAt,
          business: system === 'erp' ? { erp_document: this.deps.erp.allocateDocument() } : undefined,
          attributes: { applied_in: system, ...(system === 'erp' ? { stock_type: 'blocked', movement_type: '350' } : {}) },
        },
        from,
      )
    }
  }

  private deadLetter(tx: Txn, t: number, error: HopError, reason: DeadLetterReason, replacement?: GoodsMovementMessage): void {
    const { plant, topics } = tx
    this.deps.sched.at(t, (at) => {
      const record = deadLetterRecord({
        topics,
        original: tx.record,
        groupId: this.deps.groupId,
        error,
        reason,
        attempts: Math.max(1, tx.attempt),
        firstFailedAt: tx.firstFailedAt ?? at,
        deadLetteredAt: at,
        flow: tx.trail.ctx.flow,
        hubInstance: plant.instances.hub,
        value: replacement ? Buffer.from(JSON.stringify(replacement)) : undefined,
        headers: replacement ? { idempotency_key: replacement.idempotency_key, 'x-message-type': 'GoodsMovement' } : undefined,
      })
      this.stats.deadLettered[reason]++
      this.deps.out.add(topics.dlq, record, (dlq) =>
        this.deps.onDeadLetter?.({ plant, topics, dlq, record, error, reason, at, message: replacement ?? tx.msg }),
      )
    })
    // A partial posting is not parked as a whole: its trace ends "partial", only the movement waits in the DLQ.
    if (reason === 'partial') return
    this.emitAt(tx, {
      type: 'erp.posting_dead_lettered',
      hop: 'hub',
      system: 'hub',
      status: 'dead_lettered',
      at: t,
      attempt: Math.max(1, tx.attempt),
      error,
      attributes: { dlq_topic: topics.dlq, dlq_convention: topics.convention, dead_letter_reason: reason },
    })
  }
}
