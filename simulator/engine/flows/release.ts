import { scheduleHop } from '../context'
import type { LineSim, Order } from '../line'
import type { FlowHost } from './host'

/** Flow work_order_release: ERP releases an order, the hub downloads it to MES. */
export function release(sim: FlowHost, t: number, line: LineSim, order: Order): void {
  const { plant } = sim
  const key = `erp-${plant.code}:rel:${order.number}`
  sim.count('work_order_release', undefined)
  const trail = sim.trail(t, 'work_order_release', 'rel', key, { work_order: order.number, material: order.material }, line)
  scheduleHop(sim.ctx, plant, trail, {
    type: 'plan.work_order_released',
    hop: 'erp',
    system: 'erp',
    status: 'ok',
    at: t,
    attributes: { status: 'REL', target_quantity: String(order.target), lot: order.lot },
  })
  const sentAt = t + sim.rng.int(50, 500)
  sim.sendAt(
    sentAt,
    {
      message_type: 'WorkOrderRelease',
      ...sim.common(trail, t, sentAt, 'S/4HANA', 'ERP_BATCH', line),
      work_order: order.number,
      material: order.material,
      quantity: order.target,
      uom: 'PC',
    },
    trail,
  )
}
