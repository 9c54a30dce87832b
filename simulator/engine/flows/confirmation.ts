import { scheduleHop } from '../context'
import type { Component, Forced } from '../faults'
import type { LineSim, Order } from '../line'
import { round3, type FlowHost } from './host'

/** Flows A–G and I: a production count confirmed by MES and posted to ERP with its backflush. */
export function confirmation(sim: FlowHost, t: number, forced: Forced | undefined, showcase: boolean, completion?: { line: LineSim; order: Order }): boolean {
  const line = completion?.line ?? sim.pickLine(t, true) ?? (showcase ? sim.rng.pick(sim.lines) : undefined)
  if (!line) return false
  let n = line.take(t)
  if (n < 1) {
    if (!showcase && !completion) return false
    n = sim.rng.int(2, 8)
  }
  const cause = forced?.cause
  const scrap = Math.min(n, Math.round(n * line.scrapRate + sim.rng.normal() * Math.sqrt(n * line.scrapRate * (1 - line.scrapRate))))
  const good = n - Math.max(0, scrap)
  const order = completion?.order ?? line.order
  const key = `mes-${sim.plant.code}:conf:${order.number}:0010:${++sim.seq.conf}`
  const { plant } = sim
  const components: Component[] = (plant.boms.get(order.material) ?? []).map((b) => ({
    material: b.material,
    batch: sim.batchFor(b.material, t),
    quantity: round3(b.perUnit * n),
    uom: sim.uomOf(b.material),
    storage_location: plant.slocs.supply,
  }))
  let workOrder = order.number
  const { postingDate, user } = sim.headerFaults(t, key, cause, forced, 'MES_RFC')
  const raw = () => components.find((c) => plant.materials.get(c.material)?.kind === 'ROH') ?? components[0]
  switch (cause) {
    case 'deficit':
    case 'partial': {
      const c = raw()
      if (c) sim.faults.plantDeficit(t, c, cause === 'deficit' ? 'block' : 'cogi', forced)
      break
    }
    case 'master_data':
      components.push({ material: sim.faults.missingMaterial(t, forced), batch: sim.faults.freshBatch(), quantity: n, uom: 'PC', storage_location: plant.slocs.supply })
      break
    case 'account_determination':
      components.push({ material: sim.faults.valuationGapMaterial('ROH', t, forced), batch: sim.faults.freshBatch(), quantity: n, uom: 'PC', storage_location: plant.slocs.supply })
      break
    case 'teco':
      workOrder = line.tecoOrder(t)?.number ?? workOrder
      break
  }
  sim.count('production_confirmation', cause)

  const trail = sim.trail(t, 'production_confirmation', 'conf', key, { operation: '0010', material: order.material }, line)
  const quantity = { good, scrap: n - good, uom: 'PC' }
  scheduleHop(sim.ctx, plant, trail, {
    type: 'shopfloor.production_counted',
    hop: 'machine',
    system: 'machine',
    status: 'ok',
    at: t,
    business: { work_order: order.number, quantity },
    attributes: { ideal_cycle_time_ms: String(line.idealCycleMs), counter_window: 'since_last_confirmation' },
  })
  const mesAt = t + sim.rng.int(300, 2_500)
  scheduleHop(sim.ctx, plant, trail, {
    type: 'production.operation_confirmed',
    hop: 'mes',
    system: 'mes',
    status: 'ok',
    at: mesAt,
    latencyMs: mesAt - t,
    business: { work_order: workOrder, lot: order.lot, quantity },
    attributes: { confirmation_type: completion ? 'final' : 'partial', posting_date: postingDate },
  })
  const sentAt = mesAt + sim.rng.int(20, 150)
  sim.sendAt(
    sentAt,
    {
      message_type: 'ProductionConfirmation',
      ...sim.common(trail, t, sentAt, 'MES', user, line),
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
  sim.addRecentLot(order.material, order.lot)
  return true
}
