import type { HubMessage } from '../../server/domain/flow-messages'
import { Trail, type TxnContext } from '../hop'
import { iso, traceId, traceparent, uuidv7 } from '../ids'
import { localTime, shiftAt } from '../local-time'
import type { PlantModel } from '../model'
import { hashBytes, Rng } from '../prng'
import type { FailureCause } from '../scenario'
import { scheduleHop, type EngineContext } from './context'
import { FaultPlanner, type Forced } from './faults'
import { confirmation } from './flows/confirmation'
import { goodsMovement } from './flows/goods-movement'
import { round3, type FlowHost } from './flows/host'
import { qualityHold } from './flows/quality-hold'
import { release } from './flows/release'
import { shipment } from './flows/shipment'
import { transfer } from './flows/transfer'
import { LineSim, type LineHost, type Order } from './line'

/**
 * One plant's business traffic: a non-homogeneous Poisson arrival process (three shifts, the last
 * 30 minutes of each at 3× the confirmation rate, weekend crews on days without shifts) that
 * starts business transactions, and the builders of those transactions (flows/, one module per
 * flow, built with the helpers PlantSim lends them as their FlowHost). A builder emits the
 * shop-floor hops (machine, MES, WMS, QMS, ERP planning) and sends the business message to the
 * hub; when the first posting attempt is meant to fail it plants the matching fault in the ERP's
 * reality (world.ts) — a lock, a missing material, a TECO order — and, for a stock deficit,
 * schedules the transfer that will resolve it (or not).
 */

export type TxnKind = 'confirmation' | 'goods_movement' | 'inventory_transfer' | 'shipment' | 'quality_hold'

/** Off-peak mix; confirmations carry the end-of-shift peak. */
const CONFIRMATION_SHARE = 0.63
const OTHER_KINDS: readonly (readonly [TxnKind, number])[] = [
  ['goods_movement', 0.14],
  ['inventory_transfer', 0.12],
  ['shipment', 0.105],
  ['quality_hold', 0.005],
]
const PEAK_MINUTES = 30
/** Parts an off-peak confirmation carries on average: at the peak (3×) still about three. */
const PARTS_PER_CONFIRMATION = 10

/** Which failures each kind of posting can meet (a transfer has no order to be TECO). */
const SUPPORTS: Record<TxnKind, readonly FailureCause[]> = {
  confirmation: ['lock', 'deficit', 'master_data', 'technical', 'teco', 'period', 'authorization', 'account_determination'],
  goods_movement: ['lock', 'deficit', 'master_data', 'technical', 'teco', 'period', 'authorization', 'account_determination'],
  inventory_transfer: ['lock', 'master_data', 'technical', 'period', 'authorization'],
  shipment: ['lock', 'deficit', 'technical', 'period', 'authorization', 'account_determination'],
  quality_hold: [],
}

const MIN = 60_000

export class PlantSim implements LineHost, FlowHost {
  readonly lines: LineSim[]
  readonly rng: Rng
  readonly numberBase: number
  readonly seq = { order: 0, lot: 0, conf: 0, gm: 0, to: 0, delivery: 0, inspection: 0 }
  readonly recentLots = new Map<string, string[]>()
  readonly heldUntil = new Map<string, number>()
  readonly faults: FaultPlanner

  constructor(
    readonly ctx: EngineContext,
    readonly plant: PlantModel,
  ) {
    this.rng = Rng.of(ctx.seed, 'plant', plant.code)
    this.numberBase = (ctx.runId * 7919) % 9_000_000
    this.lines = plant.lines.map((model) => new LineSim(this, model))
    this.faults = new FaultPlanner(ctx, plant, this.rng, (at, fix) => this.ctx.sched.at(at, (tt) => transfer(this, tt, undefined, fix)))
  }

  start(t: number): void {
    for (const line of this.lines) line.start(t)
    this.scheduleArrival(t)
  }

  /**
   * Lines must produce what MES confirms: a confirmation reports the parts made since the last
   * one, so the line speed follows the requested rate (ideal cycle times keep their ratios). The
   * mean is taken over the model's ideal cycle times, and 0.85 / 1.17 allow for stops and for
   * running slower than ideal.
   */
  cycleScale(): number {
    const perLine = (this.ctx.rate * CONFIRMATION_SHARE) / Math.max(1, this.ctx.totalLines) / 1000
    if (perLine <= 0) return 1
    const products = this.plant.lines.flatMap((l) => l.products)
    const meanIdeal = products.reduce((n, p) => n + p.idealCycleMs, 0) / Math.max(1, products.length)
    return (0.85 / 1.17) / (perLine * PARTS_PER_CONFIRMATION * meanIdeal)
  }

  /** This plant's share of the requested rate, by line count. */
  private baseRate(): number {
    return this.ctx.totalLines > 0 ? (this.ctx.rate * this.plant.lines.length) / this.ctx.totalLines : 0
  }

  private scheduleArrival(t: number): void {
    const max = this.maxRate()
    // Rate 0: look again in a minute (the rate may be raised after a backfill).
    this.ctx.sched.at(max > 0 ? t + this.rng.exp(1000 / max) : t + 60_000, (tt) => this.arrival(tt))
  }

  currentOrder(lineId: string): string | undefined {
    return this.lines.find((l) => l.model.id === lineId)?.order.number
  }

  // --- arrivals ------------------------------------------------------------------------------------

  private maxRate(): number {
    return this.baseRate() * (CONFIRMATION_SHARE * Math.max(1, this.ctx.peakFactor) + 1 - CONFIRMATION_SHARE)
  }

  /** Thinning: candidates at the peak rate, each kept with probability rate(t) / peak rate. */
  private arrival(t: number): void {
    const max = this.maxRate()
    const shift = shiftAt(this.plant.shifts, localTime(t, this.plant.timeZone))
    const peak = shift !== undefined && shift.minutesToEnd <= PEAK_MINUTES ? Math.max(1, this.ctx.peakFactor) : 1
    const rate = this.baseRate() * (shift ? 1 : this.ctx.weekendFactor) * (CONFIRMATION_SHARE * peak + 1 - CONFIRMATION_SHARE)
    if (max > 0 && this.rng.float() * max < rate) this.startRandom(t, peak)
    this.scheduleArrival(t)
  }

  private startRandom(t: number, peak: number): void {
    const cause = this.rng.chance(this.ctx.profile.firstAttemptFailure(t)) ? this.rng.weighted(this.ctx.profile.failureMix) : undefined
    const kinds: [TxnKind, number][] = [['confirmation', CONFIRMATION_SHARE * peak], ...OTHER_KINDS.map(([k, w]): [TxnKind, number] => [k, w])]
    const kind = this.rng.weighted(kinds.filter(([k]) => !cause || SUPPORTS[k].includes(cause)))
    const partial = kind === 'confirmation' && !cause && this.rng.chance(this.ctx.profile.partialShare)
    // No line has parts to confirm (all down, or a weekend): the MES books a consumption instead.
    if (!this.run(kind, t, cause || partial ? { cause: cause ?? 'partial' } : undefined, false)) this.run('goods_movement', t, cause ? { cause } : undefined, false)
  }

  /** Starts a transaction of `kind`; false when it cannot happen now (nothing to confirm). */
  run(kind: TxnKind | 'release', t: number, forced: Forced | undefined, showcase: boolean): boolean {
    switch (kind) {
      case 'confirmation':
        return confirmation(this, t, forced, showcase)
      case 'goods_movement':
        return goodsMovement(this, t, forced)
      case 'inventory_transfer':
        return transfer(this, t, forced)
      case 'shipment':
        return shipment(this, t, forced)
      case 'quality_hold':
        return qualityHold(this, t, forced)
      case 'release': {
        const line = this.rng.pick(this.lines)
        release(this, t, line, this.nextOrder(line, t))
        return true
      }
    }
  }

  count(flow: string, cause: string | undefined): void {
    const { stats } = this.ctx
    stats.transactions[flow] = (stats.transactions[flow] ?? 0) + 1
    if (cause) stats.plannedFailures[cause] = (stats.plannedFailures[cause] ?? 0) + 1
  }

  /**
   * The faults any posting message carries in its header fields, whatever its flow: a transient
   * fault planted on its key (lock, HTTP 429/503/504), a backdated posting date (closed period), an
   * unauthorised user. Flow-specific faults (which component is missing, which order is TECO) stay
   * with each flow.
   */
  headerFaults(t: number, key: string, cause: Forced['cause'] | undefined, forced: Forced | undefined, user: string) {
    const header = { postingDate: localTime(t, this.plant.timeZone).date, user }
    if (cause === 'lock' || cause === 'technical') this.ctx.world.transient.set(key, this.faults.transientFault(cause, forced))
    else if (cause === 'period') header.postingDate = this.faults.backdatedPostingDate(t, forced)
    else if (cause === 'authorization') header.user = this.faults.unauthorizedUser(t, forced)
    return header
  }

  // --- numbers -------------------------------------------------------------------------------------

  nextOrder(line: LineSim, t: number): Order {
    const product = this.rng.pick(line.model.products)
    const hours = this.rng.uniform(1.5, 4)
    return {
      number: String(155_000_000_000 + this.plant.index * 10_000_000 + this.numberBase + ++this.seq.order),
      material: product.material,
      lot: this.nextLot(),
      target: Math.max(10, Math.round((hours * 3_600_000) / (product.idealCycleMs * this.cycleScale() * 1.15))),
      produced: 0,
      releasedAt: t,
    }
  }

  private nextLot(): string {
    return String((this.plant.index * 10_000_000 + this.numberBase + ++this.seq.lot) % 10_000_000_000).padStart(10, '0')
  }

  /** The supplier batch of a raw material staged at the line: changes every few hours. */
  batchFor(material: string, t: number): string {
    const kind = this.plant.materials.get(material)?.kind
    if (kind && kind !== 'ROH') {
      const lots = (this.recentLots.get(material) ?? []).filter((l) => !this.isHeld(l, t))
      if (lots.length) return this.rng.pick(lots)
    }
    const bucket = Math.floor(t / (3 * 60 * MIN))
    return `00${String(hashBytes(this.ctx.seed, 'batch', this.plant.code, material, bucket).readUInt32LE(0) % 100_000_000).padStart(8, '0')}`
  }

  isHeld(lot: string, t: number): boolean {
    const until = this.heldUntil.get(lot)
    return until !== undefined && t < until
  }

  addRecentLot(material: string, lot: string): void {
    const lots = this.recentLots.get(material) ?? []
    if (lots.includes(lot)) return
    lots.unshift(lot)
    if (lots.length > 6) lots.pop()
    this.recentLots.set(material, lots)
  }

  uomOf(material: string): string {
    return this.plant.materials.get(material)?.uom ?? 'PC'
  }

  quantityOf(material: string): number {
    return this.uomOf(material) === 'PC' ? this.rng.int(5, 60) : round3(this.rng.uniform(2, 80))
  }

  // --- for the flows (flows/*.ts) --------------------------------------------------------------------------------

  trail(t: number, flow: string, prefix: string, key: string | undefined, business: TxnContext['business'], line?: LineSim): Trail {
    return new Trail(
      {
        plant: this.plant,
        flow,
        correlationId: `${prefix}-${this.plant.code}-${uuidv7(t, this.rng)}`,
        originTime: t,
        idempotencyKey: key,
        traceId: traceId(this.rng),
        line: line?.model,
        business,
      },
      this.rng,
    )
  }

  sendAt(at: number, message: HubMessage, trail: Trail): void {
    const tp = traceparent(trail.ctx.traceId, trail.lastSpanId!)
    const pending = { plant: this.plant.code, message, traceparent: tp, at }
    this.ctx.unsent.add(pending)
    this.ctx.sched.at(at, () => {
      this.ctx.unsent.delete(pending)
      this.ctx.send(this.plant, message, tp)
    })
  }

  common(trail: Trail, t: number, sentAt: number, system: string, user: string, line?: LineSim) {
    return {
      message_id: trail.lastEventId!,
      correlation_id: trail.ctx.correlationId,
      idempotency_key: trail.ctx.idempotencyKey!,
      plant: this.plant.code,
      flow: trail.ctx.flow,
      origin_time: iso(t),
      sent_at: iso(sentAt),
      source: { system, instance: this.plant.instances[system === 'MES' ? 'mes' : system === 'EWM' ? 'wms' : system === 'QMS' ? 'qms' : 'erp'] },
      user,
      line: line?.model.id,
      work_center: line?.model.workCenter,
      location_path: line?.model.locationPath,
    }
  }

  pickLine(t: number, byPending: boolean): LineSim | undefined {
    const candidates: [LineSim, number][] = this.lines.map((l) => [l, byPending ? l.pendingParts(t) : l.state === 'RUNNING' ? 1 : 0])
    const usable = candidates.filter(([, w]) => w >= 1)
    return usable.length ? this.rng.weighted(usable) : undefined
  }

  /** LineHost: final confirmation now, TECO in ERP 5–20 min later, the next order released during setup. */
  orderCompleted(line: LineSim, order: Order, t: number): void {
    confirmation(this, t, undefined, false, { line, order })
    const tecoAt = t + this.rng.uniform(5, 20) * MIN
    this.ctx.world.setTeco(order.number, tecoAt)
    const trail = this.trail(tecoAt, 'work_order_release', 'wo', `erp-${this.plant.code}:teco:${order.number}`, { work_order: order.number, material: order.material }, line)
    scheduleHop(this.ctx, this.plant, trail, {
      type: 'plan.work_order_status_changed',
      hop: 'erp',
      system: 'erp',
      status: 'ok',
      at: tecoAt,
      attributes: { status: 'TECO', previous_status: 'CNF', produced: String(Math.round(order.produced)) },
    })
    const releaseAt = t + this.rng.uniform(0.5, 3) * MIN
    this.ctx.sched.at(releaseAt, (tt) => release(this, tt, line, line.order))
  }
}
