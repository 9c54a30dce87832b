import { z } from 'zod'

/**
 * The flows' message contract: what travels on the hub's source topics, the business messages MES,
 * WMS, QMS and ERP send to the middleware (not hop events). One schema for both sides: the
 * simulator's hub validates with it (an edited replay with a broken payload is rejected,
 * `integration.validation_failed`, like in a real hub), and the console validates payload edits
 * with it before they can be saved (services/replays/edits.ts). Pure, so client code may use it.
 */

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD')
const time = z.iso.datetime({ offset: true })
const order = z.string().regex(/^\d{12}$/, 'must be a 12-digit production order number')
const text = z.string().min(1)

const common = {
  message_id: text,
  correlation_id: z.string().min(1).max(128),
  idempotency_key: z.string().min(1).max(256),
  plant: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/),
  flow: text,
  origin_time: time,
  sent_at: time,
  source: z.object({ system: text, instance: text }),
  /** The SAP user the posting runs under (authorization checks). */
  user: z.string().min(1).max(12),
  line: z.string().optional(),
  work_center: z.string().optional(),
  location_path: z.string().optional(),
}

const component = z.object({
  material: text,
  batch: text,
  quantity: z.number().positive(),
  uom: text,
  storage_location: text,
})

export const confirmationSchema = z.object({
  message_type: z.literal('ProductionConfirmation'),
  ...common,
  work_order: order,
  operation: text,
  material: text,
  lot: text,
  yield: z.number().min(0),
  scrap: z.number().min(0),
  uom: text,
  posting_date: date,
  final: z.boolean(),
  /** Backflushed components (movement type 261), posted with the confirmation. */
  components: z.array(component),
})

export const goodsMovementSchema = z.object({
  message_type: z.literal('GoodsMovement'),
  ...common,
  /** 261 goods issue to order, 311 transfer posting, 601 goods issue for delivery. */
  movement_type: z.enum(['261', '311', '601']),
  material: text,
  batch: text,
  quantity: z.number().positive(),
  uom: text,
  storage_location: text,
  to_storage_location: z.string().optional(),
  work_order: order.optional(),
  delivery: z.string().optional(),
  handling_unit: z.string().optional(),
  posting_date: date,
  /** `backflush`: the failed part of a partially posted confirmation (flow G), re-posted alone. */
  scope: z.enum(['backflush']).optional(),
  parent_document: z.string().optional(),
})

export const qualityHoldSchema = z.object({
  message_type: z.literal('QualityHold'),
  ...common,
  lot: text,
  material: text,
  inspection_lot: text,
  reason: text,
})

export const workOrderReleaseSchema = z.object({
  message_type: z.literal('WorkOrderRelease'),
  ...common,
  work_order: order,
  material: text,
  quantity: z.number().positive(),
  uom: text,
})

export const hubMessageSchema = z.discriminatedUnion('message_type', [confirmationSchema, goodsMovementSchema, qualityHoldSchema, workOrderReleaseSchema])

export type HubMessage = z.infer<typeof hubMessageSchema>
export type ConfirmationMessage = z.infer<typeof confirmationSchema>
export type GoodsMovementMessage = z.infer<typeof goodsMovementSchema>
export type QualityHoldMessage = z.infer<typeof qualityHoldSchema>
export type WorkOrderReleaseMessage = z.infer<typeof workOrderReleaseSchema>
export type PostingMessage = ConfirmationMessage | GoodsMovementMessage
