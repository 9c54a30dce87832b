import { sscc } from '../../ids'
import { scheduleHop } from '../context'
import type { Component, Forced } from '../faults'
import type { FlowHost } from './host'

/** Goods issue for an outbound delivery (601); for a held lot, hold leakage. */
export function shipment(sim: FlowHost, t: number, forced: Forced | undefined, held?: { material: string; lot: string }): boolean {
  const { plant } = sim
  const cause = forced?.cause
  let material = held?.material ?? sim.rng.pick(plant.finished)
  const c: Component = {
    material,
    batch: held?.lot ?? sim.batchFor(material, t),
    quantity: sim.rng.int(10, 400),
    uom: 'PC',
    storage_location: plant.slocs.finished,
  }
  const delivery = String(80_000_000 + plant.index * 1_000_000 + (sim.numberBase % 500_000) + ++sim.seq.delivery).padStart(10, '0')
  const key = `ewm-${plant.code}:gi:${delivery}`
  const { postingDate, user } = sim.headerFaults(t, key, cause, forced, 'EWM_RFC')
  switch (cause) {
    case 'deficit':
      sim.faults.plantDeficit(t, c, 'block', forced)
      break
    case 'account_determination':
      material = c.material = sim.faults.valuationGapMaterial('FERT', t, forced)
      break
  }
  sim.count('shipment', cause)
  const hu = sscc(plant.gs1Prefix, sim.rng.int(0, 999_999_999))
  const trail = sim.trail(t, 'shipment', 'sh', key, { material: c.material, lot: c.batch, shipment: delivery, handling_unit: hu })
  scheduleHop(sim.ctx, plant, trail, {
    type: 'shipment.loaded',
    hop: 'wms',
    system: 'wms',
    status: 'ok',
    at: t,
    storageLocation: c.storage_location,
    business: { quantity: { good: c.quantity, uom: c.uom } },
    attributes: { movement_type: '601', carrier: sim.rng.pick(['DHL Freight', 'DB Schenker', 'Kuehne+Nagel', 'UPS']) },
  })
  const sentAt = t + sim.rng.int(100, 900)
  sim.sendAt(
    sentAt,
    {
      message_type: 'GoodsMovement',
      ...sim.common(trail, t, sentAt, 'EWM', user),
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
