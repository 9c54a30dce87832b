import type { Business } from '../hop'
import { iso } from '../ids'
import type { PlantModel } from '../model'
import type { Consumption, PostingRequest } from './erp'
import type { GoodsMovementMessage, HubMessage, PostingMessage } from '../../server/domain/flow-messages'

/**
 * From the hub's messages to what the hub does with them: the ERP posting request, the business
 * keys its hop events carry, and the message a partial posting leaves to be replayed.
 */

/** What the hub asks ERP to post for a message. */
export function requestOf(msg: PostingMessage, plant: PlantModel, replay: boolean): PostingRequest {
  const base = { idempotencyKey: msg.idempotency_key, plant, user: msg.user, postingDate: msg.posting_date, replay }
  if (msg.message_type === 'ProductionConfirmation') {
    const consumptions: Consumption[] = msg.components.map((c) => ({ material: c.material, batch: c.batch, sloc: c.storage_location, quantity: c.quantity, uom: c.uom }))
    return { ...base, movementType: '261', workOrder: msg.work_order, materials: [msg.material, ...msg.components.map((c) => c.material)], consumptions, backflush: true }
  }
  return {
    ...base,
    movementType: msg.movement_type,
    workOrder: msg.work_order,
    materials: [msg.material],
    consumptions: [{ material: msg.material, batch: msg.batch, sloc: msg.storage_location, quantity: msg.quantity, uom: msg.uom }],
    backflush: false,
  }
}

/** Business keys as the hub sees them in a message. */
export function businessOf(raw: Record<string, unknown>): Business {
  const s = (v: unknown) => (typeof v === 'string' && v ? v : undefined)
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
  switch (raw.message_type) {
    case 'ProductionConfirmation':
      return { work_order: s(raw.work_order), operation: s(raw.operation), material: s(raw.material), lot: s(raw.lot), quantity: { good: n(raw.yield), scrap: n(raw.scrap), uom: s(raw.uom) } }
    case 'GoodsMovement':
      return {
        work_order: s(raw.work_order),
        material: s(raw.material),
        lot: s(raw.batch),
        shipment: s(raw.delivery),
        handling_unit: s(raw.handling_unit),
        // A re-posted backflush is a component quantity: kept out of `quantity`, which is the order's yield.
        quantity: raw.scope === 'backflush' ? undefined : { good: n(raw.quantity), uom: s(raw.uom) },
      }
    case 'QualityHold':
      return { material: s(raw.material), lot: s(raw.lot) }
    case 'WorkOrderRelease':
      return { work_order: s(raw.work_order), material: s(raw.material) }
    default:
      return { work_order: s(raw.work_order), material: s(raw.material) }
  }
}

export function postedQuantity(msg: PostingMessage): Business {
  if (msg.message_type === 'ProductionConfirmation') return { quantity: { good: msg.yield, scrap: msg.scrap, uom: msg.uom } }
  return {}
}

export function scopeOf(msg: PostingMessage): Record<string, string> | undefined {
  return msg.message_type === 'GoodsMovement' && msg.scope === 'backflush' ? { scope: 'backflush', confirmation_document: msg.parent_document ?? '' } : undefined
}

export function movementTypeOf(msg: PostingMessage): string {
  return msg.message_type === 'ProductionConfirmation' ? '101/261' : msg.movement_type
}

export function targetOf(msg: HubMessage): string {
  switch (msg.message_type) {
    case 'ProductionConfirmation':
      return 'BAPI_PRODORDCONF_CREATE_TT'
    case 'GoodsMovement':
      return 'BAPI_GOODSMVT_CREATE'
    case 'QualityHold':
      return 'QMSM / EWM stock block / MES hold'
    case 'WorkOrderRelease':
      return 'MES order download'
  }
}

/** The failed backflush of a partial confirmation, as a message of its own: what a replay re-posts. */
export function backflushMovement(
  msg: Extract<PostingMessage, { message_type: 'ProductionConfirmation' }>,
  failed: Consumption,
  document: string,
  t: number,
  plant: PlantModel,
): GoodsMovementMessage {
  return {
    message_type: 'GoodsMovement',
    message_id: `${msg.message_id}:cogi:${failed.material}`,
    correlation_id: msg.correlation_id,
    idempotency_key: `${msg.idempotency_key}:cogi:${failed.material}`,
    plant: msg.plant,
    flow: msg.flow,
    origin_time: msg.origin_time,
    sent_at: iso(t),
    source: { system: 'HUB', instance: plant.instances.hub },
    user: msg.user,
    line: msg.line,
    work_center: msg.work_center,
    location_path: msg.location_path,
    movement_type: '261',
    material: failed.material,
    batch: failed.batch,
    quantity: failed.quantity,
    uom: failed.uom,
    storage_location: failed.sloc,
    work_order: msg.work_order,
    posting_date: msg.posting_date,
    scope: 'backflush',
    parent_document: document,
  }
}
