import { Trail } from '../hop'
import { iso, traceId, uuidv7 } from '../ids'
import { localTime, shiftAt } from '../local-time'
import type { LineModel, PlantModel } from '../model'
import { hashUnit, Rng } from '../prng'
import { scheduleHop, type EngineContext } from './context'

/**
 * One production line: an equipment state machine (running, idle, down, setup, planned stop)
 * that produces parts at its actual cycle time while running, and the production orders it works
 * through. Counts and state changes are exactly what ISO 22400 OEE needs: availability from the
 * state durations, performance from the ideal cycle time and the counts, quality from good/scrap.
 */

export type EquipmentState = 'RUNNING' | 'IDLE' | 'DOWN' | 'SETUP' | 'PLANNED_STOP'

export interface Order {
  number: string
  material: string
  lot: string
  /** Parts to produce. */
  target: number
  /** Parts produced so far (fractional while running). */
  produced: number
  releasedAt: number
  completedAt?: number
}

export interface LineHost {
  ctx: EngineContext
  plant: PlantModel
  /** Factor on the model's ideal cycle times so that production keeps up with the requested confirmation rate. */
  cycleScale(): number
  /** Allocates the next order (number, lot, material) for a line. */
  nextOrder(line: LineSim, t: number): Order
  /** The order's target is reached: final confirmation, TECO later, release of the next order. */
  orderCompleted(line: LineSim, order: Order, t: number): void
}

const BREAKDOWNS = [
  ['E101', 'Hydraulic pressure low'],
  ['E214', 'Jam at infeed'],
  ['E330', 'Tool breakage'],
  ['E412', 'Light curtain fault'],
  ['E518', 'Servo drive overload'],
] as const
const STOPS = [
  ['STARVED', 'Waiting for material'],
  ['BLOCKED', 'Downstream buffer full'],
  ['NO_OPERATOR', 'No operator at station'],
] as const

const MIN = 60_000

export class LineSim {
  state: EquipmentState = 'PLANNED_STOP'
  order!: Order
  /** Completed orders, newest first (a late confirmation for one of them meets TECO). */
  readonly previous: Order[] = []
  readonly scrapRate: number
  idealCycleMs = 0
  private cycleMs = 0
  private since = 0
  private version = 0
  private pending = 0
  private lastIntegrated = 0
  private readonly rng: Rng

  constructor(
    private readonly host: LineHost,
    readonly model: LineModel,
  ) {
    this.rng = Rng.of(host.ctx.seed, 'line', host.plant.code, model.id)
    this.scrapRate = this.rng.uniform(0.005, 0.035)
  }

  /** Begins with an order already running and one completed (and TECO) before the start. */
  start(t: number): void {
    const before = this.host.nextOrder(this, t - 5 * 60 * MIN)
    before.produced = before.target
    before.completedAt = t - this.rng.uniform(60, 240) * MIN
    this.host.ctx.world.setTeco(before.number, before.completedAt + 15 * MIN)
    this.previous.unshift(before)
    this.begin(this.host.nextOrder(this, t - 60 * MIN))
    this.order.produced = this.rng.uniform(0, 0.6) * this.order.target
    this.since = t
    this.lastIntegrated = t
    this.enter(this.working(t) ? 'RUNNING' : 'PLANNED_STOP', t, 'Initial state', 'OFFLINE')
  }

  /** Parts produced and not yet confirmed, rounded down; they count as confirmed from now. */
  take(t: number): number {
    this.integrate(t)
    const n = Math.floor(this.pending)
    this.pending -= n
    return n
  }

  pendingParts(t: number): number {
    this.integrate(t)
    return this.pending
  }

  /** The most recent completed order that is TECO at t (flow F confirms against it by mistake). */
  tecoOrder(t: number): Order | undefined {
    return this.previous.find((o) => this.host.ctx.world.isTeco(o.number, t))
  }

  /** In a shift, or picked for the weekend crew of that local day. */
  working(t: number): boolean {
    const { plant, ctx } = this.host
    const local = localTime(t, plant.timeZone)
    if (shiftAt(plant.shifts, local)) return true
    return hashUnit(ctx.seed, 'weekend-crew', plant.code, this.model.id, local.date) < ctx.weekendFactor
  }

  private begin(order: Order): void {
    this.order = order
    const product = this.model.products.find((p) => p.material === order.material) ?? this.model.products[0]!
    this.idealCycleMs = Math.max(50, Math.round(product.idealCycleMs * this.host.cycleScale()))
    // Actual cycle 5–30% slower than ideal: ISO 22400 performance of 77–95%.
    this.cycleMs = this.idealCycleMs * this.rng.uniform(1.05, 1.3)
  }

  private integrate(t: number): void {
    if (this.state === 'RUNNING' && t > this.lastIntegrated) {
      const parts = (t - this.lastIntegrated) / this.cycleMs
      this.pending += parts
      this.order.produced += parts
    }
    if (t > this.lastIntegrated) this.lastIntegrated = t
  }

  private enter(state: EquipmentState, t: number, reason: string, previousOverride?: string, reasonCode?: string): void {
    this.integrate(t)
    const previous = previousOverride ?? this.state
    const previousDuration = t - this.since
    this.state = state
    this.since = t
    const version = ++this.version
    this.report(t, previous, previousDuration, reason, reasonCode)
    const { sched, profile } = this.host.ctx
    const at = (when: number, run: (tt: number) => void) =>
      sched.at(when, (tt) => {
        if (version === this.version) run(tt)
      })
    switch (state) {
      case 'RUNNING': {
        const runFor = this.rng.exp(profile.runMeanMs)
        const doneAt = t + Math.max(0, this.order.target - this.order.produced) * this.cycleMs
        if (doneAt <= t + runFor) at(doneAt, (tt) => this.complete(tt))
        else at(t + runFor, (tt) => this.stop(tt))
        return
      }
      case 'DOWN':
        return at(t + this.rng.lognormal(4 * MIN, 20 * MIN), (tt) => this.resume(tt))
      case 'IDLE':
        return at(t + this.rng.lognormal(2 * MIN, 8 * MIN), (tt) => this.resume(tt))
      case 'SETUP':
        return at(t + this.rng.uniform(5, 15) * MIN, (tt) => this.resume(tt))
      case 'PLANNED_STOP':
        return at(t + 15 * MIN, (tt) => this.resume(tt))
    }
  }

  private resume(t: number): void {
    if (this.working(t)) this.enter('RUNNING', t, '')
    else if (this.state !== 'PLANNED_STOP') this.enter('PLANNED_STOP', t, 'No shift planned', undefined, 'NO_SHIFT')
    else {
      const version = this.version
      this.host.ctx.sched.at(t + 15 * MIN, (tt) => {
        if (version === this.version) this.resume(tt)
      })
    }
  }

  private stop(t: number): void {
    if (!this.working(t)) return this.enter('PLANNED_STOP', t, 'No shift planned', undefined, 'NO_SHIFT')
    const [code, text] = this.rng.chance(this.host.ctx.profile.breakdownShare) ? this.rng.pick(BREAKDOWNS) : this.rng.pick(STOPS)
    this.enter(code.startsWith('E') ? 'DOWN' : 'IDLE', t, text, undefined, code)
  }

  private complete(t: number): void {
    this.integrate(t)
    const done = this.order
    done.completedAt = t
    this.host.orderCompleted(this, done, t)
    this.previous.unshift(done)
    if (this.previous.length > 5) this.previous.pop()
    this.begin(this.host.nextOrder(this, t))
    this.enter('SETUP', t, `Changeover to order ${this.order.number}`, undefined, 'CHANGEOVER')
  }

  private report(t: number, previous: string, previousDurationMs: number, reason: string, reasonCode?: string): void {
    const { ctx, plant } = this.host
    ctx.stats.equipmentChanges++
    const shift = shiftAt(plant.shifts, localTime(t, plant.timeZone))
    const trail = new Trail(
      {
        plant,
        flow: 'equipment_state',
        correlationId: `eq-${plant.code}-${uuidv7(t, this.rng)}`,
        originTime: t,
        // The PLC's own key for a state change: re-sent, it is the same change.
        idempotencyKey: `plc-${plant.code}-${this.model.id.toLowerCase()}:state:${iso(t)}`,
        traceId: traceId(this.rng),
        line: this.model,
        business: { work_order: this.order.number, material: this.order.material },
      },
      this.rng,
    )
    const attributes: Record<string, string> = {
      state: this.state,
      previous_state: previous,
      previous_duration_ms: String(Math.max(0, Math.round(previousDurationMs))),
      ideal_cycle_time_ms: String(this.idealCycleMs),
    }
    if (reason) attributes.reason = reason
    if (reasonCode) attributes.reason_code = reasonCode
    if (shift) attributes.shift = shift.name
    scheduleHop(ctx, plant, trail, { type: 'shopfloor.equipment_state_changed', hop: 'machine', system: 'machine', status: 'ok', at: t, attributes })
  }
}
