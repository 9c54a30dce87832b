import { sscc } from '../../ids'
import { dependencyKey } from '../../world'
import { scheduleHop } from '../context'
import type { Forced } from '../faults'
import { round3, type FlowHost } from './host'

/** A warehouse transfer (311) to the production supply area; `fix` is the one a waiting deficit needs (flow C). */
export function transfer(sim: FlowHost, t: number, forced: Forced | undefined, fix?: { material: string; batch: string; quantity: number; uom: string; to: string }): boolean {
  const { plant } = sim
  const cause = forced?.cause
  let material = fix?.material ?? sim.rng.pick(plant.raw)
  const batch = fix?.batch ?? sim.batchFor(material, t)
  const to = fix?.to ?? plant.slocs.supply
  const quantity = fix ? round3(fix.quantity * sim.rng.uniform(1, 3)) : sim.quantityOf(material)
  const uom = fix?.uom ?? sim.uomOf(material)
  const key = `ewm-${plant.code}:to:${++sim.seq.to}`
  const { postingDate, user } = sim.headerFaults(t, key, cause, forced, 'EWM_RFC')
  if (cause === 'master_data') material = sim.faults.missingMaterial(t, forced)
  sim.count('inventory_transfer', cause)
  const dependency = dependencyKey(material, plant.code, to, batch)
  const trail = sim.trail(t, 'inventory_transfer', 'tr', key, { material, lot: batch })
  scheduleHop(sim.ctx, plant, trail, {
    type: 'inventory.transfer_posted',
    hop: 'wms',
    system: 'wms',
    status: 'ok',
    at: t,
    storageLocation: to,
    business: { handling_unit: sscc(plant.gs1Prefix, sim.rng.int(0, 999_999_999)), quantity: { good: quantity, uom } },
    attributes: {
      movement_type: '311',
      from_storage_location: plant.slocs.raw,
      to_storage_location: to,
      dependency_key: dependency,
      reason: fix ? 'stock deficit at line' : 'replenishment',
    },
  })
  const sentAt = t + sim.rng.int(100, 800)
  sim.sendAt(
    sentAt,
    {
      message_type: 'GoodsMovement',
      ...sim.common(trail, t, sentAt, 'EWM', user),
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
