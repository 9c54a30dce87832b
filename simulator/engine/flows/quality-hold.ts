import { scheduleHop } from '../context'
import type { Forced } from '../faults'
import { goodsMovement } from './goods-movement'
import type { FlowHost } from './host'
import { shipment } from './shipment'

const MIN = 60_000

/** Flow H: a rejected inspection puts a lot on hold in MES, WMS and ERP; some lots get used anyway. */
export function qualityHold(sim: FlowHost, t: number, forced: Forced | undefined): boolean {
  const { plant } = sim
  const candidates = [...sim.recentLots].flatMap(([material, lots]) => lots.filter((l) => !sim.isHeld(l, t)).map((lot) => ({ material, lot })))
  const target = candidates.length ? sim.rng.pick(candidates) : { material: sim.lines[0]!.order.material, lot: sim.lines[0]!.order.lot }
  const inspectionLot = `01${String(plant.index * 100_000_000 + sim.numberBase + ++sim.seq.inspection).padStart(10, '0')}`
  const key = `qms-${plant.code}:hold:${inspectionLot}`
  sim.count('quality_hold', undefined)
  const trail = sim.trail(t, 'quality_hold', 'qh', key, { material: target.material, lot: target.lot })
  const characteristic = sim.rng.pick(['Torque', 'Bore diameter', 'Leak rate', 'Solder joint X-ray', 'Surface finish'])
  scheduleHop(sim.ctx, plant, trail, {
    type: 'quality.result_recorded',
    hop: 'qms',
    system: 'qms',
    status: 'ok',
    at: t,
    attributes: { inspection_lot: inspectionLot, characteristic, result: 'REJECTED', defects: String(sim.rng.int(1, 12)) },
  })
  const placedAt = t + sim.rng.int(5_000, 60_000)
  const releasedAt = placedAt + (forced?.fixAfterMs ?? sim.rng.uniform(20, 120) * MIN)
  scheduleHop(sim.ctx, plant, trail, {
    type: 'quality.hold_placed',
    hop: 'qms',
    system: 'qms',
    status: 'ok',
    at: placedAt,
    latencyMs: placedAt - t,
    attributes: { inspection_lot: inspectionLot, reason: `${characteristic} out of tolerance` },
  })
  const sentAt = placedAt + sim.rng.int(50, 300)
  sim.sendAt(
    sentAt,
    {
      message_type: 'QualityHold',
      ...sim.common(trail, t, sentAt, 'QMS', 'QM_RFC'),
      lot: target.lot,
      material: target.material,
      inspection_lot: inspectionLot,
      reason: `${characteristic} out of tolerance`,
    },
    trail,
  )
  const decision = sim.rng.chance(0.7) ? 'A' : 'R'
  scheduleHop(sim.ctx, plant, trail, {
    type: 'quality.hold_released',
    hop: 'qms',
    system: 'qms',
    status: 'ok',
    at: releasedAt,
    latencyMs: releasedAt - placedAt,
    attributes: { inspection_lot: inspectionLot, usage_decision: decision === 'A' ? 'A accepted after rework' : 'R scrapped' },
  })
  sim.heldUntil.set(target.lot, releasedAt)
  if (forced?.leak ?? sim.rng.chance(0.3)) {
    // The lot is consumed (or shipped) while held: MES had not applied the hold yet.
    const at = placedAt + sim.rng.uniform(20, 300) * 1000
    const finished = plant.materials.get(target.material)?.kind === 'FERT'
    sim.ctx.sched.at(at, (tt) => (finished ? shipment(sim, tt, undefined, target) : goodsMovement(sim, tt, undefined, target)))
  }
  return true
}
