import { scheduleHop } from '../context'
import type { Component, Forced } from '../faults'
import type { FlowHost } from './host'

/** A standalone goods issue to an order (MIGO 261), or — for a held lot — hold leakage (flow H). */
export function goodsMovement(sim: FlowHost, t: number, forced: Forced | undefined, held?: { material: string; lot: string }): boolean {
  const line = sim.pickLine(t, false) ?? sim.rng.pick(sim.lines)
  const { plant } = sim
  const order = line.order
  const cause = forced?.cause
  const bom = plant.boms.get(order.material) ?? []
  let material = held?.material ?? (bom.length ? sim.rng.pick(bom).material : sim.rng.pick(plant.raw))
  const c: Component = {
    material,
    batch: held?.lot ?? sim.batchFor(material, t),
    quantity: sim.quantityOf(material),
    uom: sim.uomOf(material),
    storage_location: plant.slocs.supply,
  }
  const key = `mes-${plant.code}:gi:${++sim.seq.gm}`
  let workOrder = order.number
  const { postingDate, user } = sim.headerFaults(t, key, cause, forced, 'MES_RFC')
  switch (cause) {
    case 'deficit':
    case 'partial':
      sim.faults.plantDeficit(t, c, 'block', forced)
      break
    case 'master_data':
      material = c.material = sim.faults.missingMaterial(t, forced)
      c.uom = 'PC'
      break
    case 'account_determination':
      material = c.material = sim.faults.valuationGapMaterial('ROH', t, forced)
      c.uom = 'PC'
      break
    case 'teco':
      workOrder = line.tecoOrder(t)?.number ?? workOrder
      break
  }
  sim.count('goods_movement', cause)
  const trail = sim.trail(t, 'goods_movement', 'gm', key, { work_order: workOrder, material: c.material, lot: c.batch }, line)
  scheduleHop(sim.ctx, plant, trail, {
    type: 'inventory.material_consumed',
    hop: 'mes',
    system: 'mes',
    status: 'ok',
    at: t,
    storageLocation: c.storage_location,
    business: { quantity: { good: c.quantity, uom: c.uom } },
    attributes: { movement_type: '261' },
  })
  const sentAt = t + sim.rng.int(50, 400)
  sim.sendAt(
    sentAt,
    {
      message_type: 'GoodsMovement',
      ...sim.common(trail, t, sentAt, 'MES', user, line),
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
