import type { HubMessage } from '../../server/domain/flow-messages'
import { Trail, type TxnContext } from '../hop'
import { iso, sscc, traceId, traceparent, uuidv7 } from '../ids'
import { localTime, shiftAt } from '../local-time'
import type { PlantModel } from '../model'
import { hashBytes, Rng } from '../prng'
import { FAILURE_MIX, type FailureCause } from '../scenario'

export type { Forced } from './faults'
import { dependencyKey } from '../world'
import { scheduleHop, type EngineContext } from './context'
import { FaultPlanner, type Component, type Forced } from './faults'
import { LineSim, type LineHost, type Order } from './line'

/**
 * One plant's business traffic: a non-homogeneous Poisson arrival process (three shifts, the last
 * 30 minutes of each at 3× the confirmation rate, weekend crews on days without shifts) that
 * starts business transactions, and the builders of those transactions. A builder emits the
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

const round3 = (x: number) => Math.round(x * 1000) / 1000

export class PlantSim implements LineHost {
  readonly lines: LineSim[]
  private readonly rng: Rng
  private readonly numberBase: number
  private readonly seq = { order: 0, lot: 0, conf: 0, gm: 0, to: 0, delivery: 0, inspection: 0 }
  private readonly recentLots = new Map<string, string[]>()
  private readonly heldUntil = new Map<string, number>()
  private readonly faults: FaultPlanner

  constructor(
    readonly ctx: EngineContext,
    readonly plant: PlantModel,
  ) {
    this.rng = Rng.of(ctx.seed, 'plant', plant.code)
    this.numberBase = (ctx.runId * 7919) % 9_000_000
    this.lines = plant.lines.map((model) => new LineSim(this, model))
    this.faults = new FaultPlanner(ctx, plant, this.rng, (at, fix) => this.ctx.sched.at(at, (tt) => this.transfer(tt, undefined, fix)))
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
    const cause = this.rng.chance(this.ctx.profile.firstAttemptFailure(t)) ? this.rng.weighted(FAILURE_MIX) : undefined
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
        return this.confirmation(t, forced, showcase)
      case 'goods_movement':
        return this.goodsMovement(t, forced)
      case 'inventory_transfer':
        return this.transfer(t, forced)
      case 'shipment':
        return this.shipment(t, forced)
      case 'quality_hold':
        return this.qualityHold(t, forced)
      case 'release': {
        const line = this.rng.pick(this.lines)
        this.release(t, line, this.nextOrder(line, t))
        return true
      }
    }
  }

  private count(flow: string, cause: string | undefined): void {
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
  private headerFaults(t: number, key: string, cause: Forced['cause'] | undefined, forced: Forced | undefined, user: string) {
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
  private batchFor(material: string, t: number): string {
    const kind = this.plant.materials.get(material)?.kind
    if (kind && kind !== 'ROH') {
      const lots = (this.recentLots.get(material) ?? []).filter((l) => !this.isHeld(l, t))
      if (lots.length) return this.rng.pick(lots)
    }
    const bucket = Math.floor(t / (3 * 60 * MIN))
    return `00${String(hashBytes(this.ctx.seed, 'batch', this.plant.code, material, bucket).readUInt32LE(0) % 100_000_000).padStart(8, '0')}`
  }

  private isHeld(lot: string, t: number): boolean {
    const until = this.heldUntil.get(lot)
    return until !== undefined && t < until
  }

  private addRecentLot(material: string, lot: string): void {
    const lots = this.recentLots.get(material) ?? []
    if (lots.includes(lot)) return
    lots.unshift(lot)
    if (lots.length > 6) lots.pop()
    this.recentLots.set(material, lots)
  }

  private uomOf(material: string): string {
    return this.plant.materials.get(material)?.uom ?? 'PC'
  }

  private quantityOf(material: string): number {
    return this.uomOf(material) === 'PC' ? this.rng.int(5, 60) : round3(this.rng.uniform(2, 80))
  }

  // --- transactions --------------------------------------------------------------------------------

  private trail(t: number, flow: string, prefix: string, key: string | undefined, business: TxnContext['business'], line?: LineSim): Trail {
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

  private sendAt(at: number, message: HubMessage, trail: Trail): void {
    const tp = traceparent(trail.ctx.traceId, trail.lastSpanId!)
    this.ctx.sched.at(at, () => this.ctx.send(this.plant, message, tp))
  }

  private common(trail: Trail, t: number, sentAt: number, system: string, user: string, line?: LineSim) {
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

  private pickLine(t: number, byPending: boolean): LineSim | undefined {
    const candidates: [LineSim, number][] = this.lines.map((l) => [l, byPending ? l.pendingParts(t) : l.state === 'RUNNING' ? 1 : 0])
    const usable = candidates.filter(([, w]) => w >= 1)
    return usable.length ? this.rng.weighted(usable) : undefined
  }

  /** Flows A–G and I: a production count confirmed by MES and posted to ERP with its backflush. */
  private confirmation(t: number, forced: Forced | undefined, showcase: boolean, completion?: { line: LineSim; order: Order }): boolean {
    const line = completion?.line ?? this.pickLine(t, true) ?? (showcase ? this.rng.pick(this.lines) : undefined)
    if (!line) return false
    let n = line.take(t)
    if (n < 1) {
      if (!showcase && !completion) return false
      n = this.rng.int(2, 8)
    }
    const cause = forced?.cause
    const scrap = Math.min(n, Math.round(n * line.scrapRate + this.rng.normal() * Math.sqrt(n * line.scrapRate * (1 - line.scrapRate))))
    const good = n - Math.max(0, scrap)
    const order = completion?.order ?? line.order
    const key = `mes-${this.plant.code}:conf:${order.number}:0010:${++this.seq.conf}`
    const { plant } = this
    const components: Component[] = (plant.boms.get(order.material) ?? []).map((b) => ({
      material: b.material,
      batch: this.batchFor(b.material, t),
      quantity: round3(b.perUnit * n),
      uom: this.uomOf(b.material),
      storage_location: plant.slocs.supply,
    }))
    let workOrder = order.number
    const { postingDate, user } = this.headerFaults(t, key, cause, forced, 'MES_RFC')
    const raw = () => components.find((c) => plant.materials.get(c.material)?.kind === 'ROH') ?? components[0]
    switch (cause) {
      case 'deficit':
      case 'partial': {
        const c = raw()
        if (c) this.faults.plantDeficit(t, c, cause === 'deficit' ? 'block' : 'cogi', forced)
        break
      }
      case 'master_data':
        components.push({ material: this.faults.missingMaterial(t, forced), batch: this.faults.freshBatch(), quantity: n, uom: 'PC', storage_location: plant.slocs.supply })
        break
      case 'account_determination':
        components.push({ material: this.faults.valuationGapMaterial('ROH', t, forced), batch: this.faults.freshBatch(), quantity: n, uom: 'PC', storage_location: plant.slocs.supply })
        break
      case 'teco':
        workOrder = line.tecoOrder(t)?.number ?? workOrder
        break
    }
    this.count('production_confirmation', cause)

    const trail = this.trail(t, 'production_confirmation', 'conf', key, { operation: '0010', material: order.material }, line)
    const quantity = { good, scrap: n - good, uom: 'PC' }
    scheduleHop(this.ctx, plant, trail, {
      type: 'shopfloor.production_counted',
      hop: 'machine',
      system: 'machine',
      status: 'ok',
      at: t,
      business: { work_order: order.number, quantity },
      attributes: { ideal_cycle_time_ms: String(line.idealCycleMs), counter_window: 'since_last_confirmation' },
    })
    const mesAt = t + this.rng.int(300, 2_500)
    scheduleHop(this.ctx, plant, trail, {
      type: 'production.operation_confirmed',
      hop: 'mes',
      system: 'mes',
      status: 'ok',
      at: mesAt,
      latencyMs: mesAt - t,
      business: { work_order: workOrder, lot: order.lot, quantity },
      attributes: { confirmation_type: completion ? 'final' : 'partial', posting_date: postingDate },
    })
    const sentAt = mesAt + this.rng.int(20, 150)
    this.sendAt(
      sentAt,
      {
        message_type: 'ProductionConfirmation',
        ...this.common(trail, t, sentAt, 'MES', user, line),
        work_order: workOrder,
        operation: '0010',
        material: order.material,
        lot: order.lot,
        yield: good,
        scrap: n - good,
        uom: 'PC',
        posting_date: postingDate,
        final: completion !== undefined,
        components,
      },
      trail,
    )
    this.addRecentLot(order.material, order.lot)
    return true
  }

  /** A standalone goods issue to an order (MIGO 261), or — for a held lot — hold leakage (flow H). */
  private goodsMovement(t: number, forced: Forced | undefined, held?: { material: string; lot: string }): boolean {
    const line = this.pickLine(t, false) ?? this.rng.pick(this.lines)
    const { plant } = this
    const order = line.order
    const cause = forced?.cause
    const bom = plant.boms.get(order.material) ?? []
    let material = held?.material ?? (bom.length ? this.rng.pick(bom).material : this.rng.pick(plant.raw))
    const c: Component = {
      material,
      batch: held?.lot ?? this.batchFor(material, t),
      quantity: this.quantityOf(material),
      uom: this.uomOf(material),
      storage_location: plant.slocs.supply,
    }
    const key = `mes-${plant.code}:gi:${++this.seq.gm}`
    let workOrder = order.number
    const { postingDate, user } = this.headerFaults(t, key, cause, forced, 'MES_RFC')
    switch (cause) {
      case 'deficit':
      case 'partial':
        this.faults.plantDeficit(t, c, 'block', forced)
        break
      case 'master_data':
        material = c.material = this.faults.missingMaterial(t, forced)
        c.uom = 'PC'
        break
      case 'account_determination':
        material = c.material = this.faults.valuationGapMaterial('ROH', t, forced)
        c.uom = 'PC'
        break
      case 'teco':
        workOrder = line.tecoOrder(t)?.number ?? workOrder
        break
    }
    this.count('goods_movement', cause)
    const trail = this.trail(t, 'goods_movement', 'gm', key, { work_order: workOrder, material: c.material, lot: c.batch }, line)
    scheduleHop(this.ctx, plant, trail, {
      type: 'inventory.material_consumed',
      hop: 'mes',
      system: 'mes',
      status: 'ok',
      at: t,
      storageLocation: c.storage_location,
      business: { quantity: { good: c.quantity, uom: c.uom } },
      attributes: { movement_type: '261' },
    })
    const sentAt = t + this.rng.int(50, 400)
    this.sendAt(
      sentAt,
      {
        message_type: 'GoodsMovement',
        ...this.common(trail, t, sentAt, 'MES', user, line),
        movement_type: '261',
        material: c.material,
        batch: c.batch,
        quantity: c.quantity,
        uom: c.uom,
        storage_location: c.storage_location,
        work_order: workOrder,
        posting_date: postingDate,
      },
      trail,
    )
    return true
  }

  /** A warehouse transfer (311) to the production supply area; `fix` is the one a waiting deficit needs (flow C). */
  private transfer(t: number, forced: Forced | undefined, fix?: { material: string; batch: string; quantity: number; uom: string; to: string }): boolean {
    const { plant } = this
    const cause = forced?.cause
    let material = fix?.material ?? this.rng.pick(plant.raw)
    const batch = fix?.batch ?? this.batchFor(material, t)
    const to = fix?.to ?? plant.slocs.supply
    const quantity = fix ? round3(fix.quantity * this.rng.uniform(1, 3)) : this.quantityOf(material)
    const uom = fix?.uom ?? this.uomOf(material)
    const key = `ewm-${plant.code}:to:${++this.seq.to}`
    const { postingDate, user } = this.headerFaults(t, key, cause, forced, 'EWM_RFC')
    if (cause === 'master_data') material = this.faults.missingMaterial(t, forced)
    this.count('inventory_transfer', cause)
    const dependency = dependencyKey(material, plant.code, to, batch)
    const trail = this.trail(t, 'inventory_transfer', 'tr', key, { material, lot: batch })
    scheduleHop(this.ctx, plant, trail, {
      type: 'inventory.transfer_posted',
      hop: 'wms',
      system: 'wms',
      status: 'ok',
      at: t,
      storageLocation: to,
      business: { handling_unit: sscc(plant.gs1Prefix, this.rng.int(0, 999_999_999)), quantity: { good: quantity, uom } },
      attributes: {
        movement_type: '311',
        from_storage_location: plant.slocs.raw,
        to_storage_location: to,
        dependency_key: dependency,
        reason: fix ? 'stock deficit at line' : 'replenishment',
      },
    })
    const sentAt = t + this.rng.int(100, 800)
    this.sendAt(
      sentAt,
      {
        message_type: 'GoodsMovement',
        ...this.common(trail, t, sentAt, 'EWM', user),
        movement_type: '311',
        material,
        batch,
        quantity,
        uom,
        storage_location: plant.slocs.raw,
        to_storage_location: to,
        posting_date: postingDate,
      },
      trail,
    )
    return true
  }

  /** Goods issue for an outbound delivery (601); for a held lot, hold leakage. */
  private shipment(t: number, forced: Forced | undefined, held?: { material: string; lot: string }): boolean {
    const { plant } = this
    const cause = forced?.cause
    let material = held?.material ?? this.rng.pick(plant.finished)
    const c: Component = {
      material,
      batch: held?.lot ?? this.batchFor(material, t),
      quantity: this.rng.int(10, 400),
      uom: 'PC',
      storage_location: plant.slocs.finished,
    }
    const delivery = String(80_000_000 + plant.index * 1_000_000 + (this.numberBase % 500_000) + ++this.seq.delivery).padStart(10, '0')
    const key = `ewm-${plant.code}:gi:${delivery}`
    const { postingDate, user } = this.headerFaults(t, key, cause, forced, 'EWM_RFC')
    switch (cause) {
      case 'deficit':
        this.faults.plantDeficit(t, c, 'block', forced)
        break
      case 'account_determination':
        material = c.material = this.faults.valuationGapMaterial('FERT', t, forced)
        break
    }
    this.count('shipment', cause)
    const hu = sscc(plant.gs1Prefix, this.rng.int(0, 999_999_999))
    const trail = this.trail(t, 'shipment', 'sh', key, { material: c.material, lot: c.batch, shipment: delivery, handling_unit: hu })
    scheduleHop(this.ctx, plant, trail, {
      type: 'shipment.loaded',
      hop: 'wms',
      system: 'wms',
      status: 'ok',
      at: t,
      storageLocation: c.storage_location,
      business: { quantity: { good: c.quantity, uom: c.uom } },
      attributes: { movement_type: '601', carrier: this.rng.pick(['DHL Freight', 'DB Schenker', 'Kuehne+Nagel', 'UPS']) },
    })
    const sentAt = t + this.rng.int(100, 900)
    this.sendAt(
      sentAt,
      {
        message_type: 'GoodsMovement',
        ...this.common(trail, t, sentAt, 'EWM', user),
        movement_type: '601',
        material: c.material,
        batch: c.batch,
        quantity: c.quantity,
        uom: c.uom,
        storage_location: c.storage_location,
        delivery,
        handling_unit: hu,
        posting_date: postingDate,
      },
      trail,
    )
    return true
  }

  /** Flow H: a rejected inspection puts a lot on hold in MES, WMS and ERP; some lots get used anyway. */
  private qualityHold(t: number, forced: Forced | undefined): boolean {
    const { plant } = this
    const candidates = [...this.recentLots].flatMap(([material, lots]) => lots.filter((l) => !this.isHeld(l, t)).map((lot) => ({ material, lot })))
    const target = candidates.length ? this.rng.pick(candidates) : { material: this.lines[0]!.order.material, lot: this.lines[0]!.order.lot }
    const inspectionLot = `01${String(plant.index * 100_000_000 + this.numberBase + ++this.seq.inspection).padStart(10, '0')}`
    const key = `qms-${plant.code}:hold:${inspectionLot}`
    this.count('quality_hold', undefined)
    const trail = this.trail(t, 'quality_hold', 'qh', key, { material: target.material, lot: target.lot })
    const characteristic = this.rng.pick(['Torque', 'Bore diameter', 'Leak rate', 'Solder joint X-ray', 'Surface finish'])
    scheduleHop(this.ctx, plant, trail, {
      type: 'quality.result_recorded',
      hop: 'qms',
      system: 'qms',
      status: 'ok',
      at: t,
      attributes: { inspection_lot: inspectionLot, characteristic, result: 'REJECTED', defects: String(this.rng.int(1, 12)) },
    })
    const placedAt = t + this.rng.int(5_000, 60_000)
    const releasedAt = placedAt + (forced?.fixAfterMs ?? this.rng.uniform(20, 120) * MIN)
    scheduleHop(this.ctx, plant, trail, {
      type: 'quality.hold_placed',
      hop: 'qms',
      system: 'qms',
      status: 'ok',
      at: placedAt,
      latencyMs: placedAt - t,
      attributes: { inspection_lot: inspectionLot, reason: `${characteristic} out of tolerance` },
    })
    const sentAt = placedAt + this.rng.int(50, 300)
    this.sendAt(
      sentAt,
      {
        message_type: 'QualityHold',
        ...this.common(trail, t, sentAt, 'QMS', 'QM_RFC'),
        lot: target.lot,
        material: target.material,
        inspection_lot: inspectionLot,
        reason: `${characteristic} out of tolerance`,
      },
      trail,
    )
    const decision = this.rng.chance(0.7) ? 'A' : 'R'
    scheduleHop(this.ctx, plant, trail, {
      type: 'quality.hold_released',
      hop: 'qms',
      system: 'qms',
      status: 'ok',
      at: releasedAt,
      latencyMs: releasedAt - placedAt,
      attributes: { inspection_lot: inspectionLot, usage_decision: decision === 'A' ? 'A accepted after rework' : 'R scrapped' },
    })
    this.heldUntil.set(target.lot, releasedAt)
    if (forced?.leak ?? this.rng.chance(0.3)) {
      // The lot is consumed (or shipped) while held: MES had not applied the hold yet.
      const at = placedAt + this.rng.uniform(20, 300) * 1000
      const finished = plant.materials.get(target.material)?.kind === 'FERT'
      this.ctx.sched.at(at, (tt) => (finished ? this.shipment(tt, undefined, target) : this.goodsMovement(tt, undefined, target)))
    }
    return true
  }

  /** Flow work_order_release: ERP releases an order, the hub downloads it to MES. */
  private release(t: number, line: LineSim, order: Order): void {
    const { plant } = this
    const key = `erp-${plant.code}:rel:${order.number}`
    this.count('work_order_release', undefined)
    const trail = this.trail(t, 'work_order_release', 'rel', key, { work_order: order.number, material: order.material }, line)
    scheduleHop(this.ctx, plant, trail, {
      type: 'plan.work_order_released',
      hop: 'erp',
      system: 'erp',
      status: 'ok',
      at: t,
      attributes: { status: 'REL', target_quantity: String(order.target), lot: order.lot },
    })
    const sentAt = t + this.rng.int(50, 500)
    this.sendAt(
      sentAt,
      {
        message_type: 'WorkOrderRelease',
        ...this.common(trail, t, sentAt, 'S/4HANA', 'ERP_BATCH', line),
        work_order: order.number,
        material: order.material,
        quantity: order.target,
        uom: 'PC',
      },
      trail,
    )
  }

  /** LineHost: final confirmation now, TECO in ERP 5–20 min later, the next order released during setup. */
  orderCompleted(line: LineSim, order: Order, t: number): void {
    this.confirmation(t, undefined, false, { line, order })
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
    this.ctx.sched.at(releaseAt, (tt) => this.release(tt, line, line.order))
  }
}
