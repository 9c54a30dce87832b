import { z } from 'zod'

/**
 * The hop-event contract (EVENT-MODEL.md): one schema shared by every producer (the simulator,
 * adapters) and the ingest worker. Evolve only by adding optional fields; unknown fields are
 * dropped, not rejected, so a newer producer never breaks an older worker.
 * Only rules JSON Schema can state: the worker validates with a function compiled from
 * hopEventJsonSchema() (ingest/telemetry/hop-event-validator.ts), and z.toJSONSchema silently
 * leaves out .refine() and .transform().
 */

export const HOP_STATUSES = ['ok', 'error', 'retrying', 'dead_lettered', 'partial', 'skipped'] as const
export const ERROR_CATEGORIES = ['transient', 'dependency', 'permanent', 'partial'] as const
export const FLOWS = [
  'production_confirmation',
  'goods_movement',
  'work_order_release',
  'quality_hold',
  'inventory_transfer',
  'shipment',
  'equipment_state',
] as const
export const HOPS = ['machine', 'edge', 'mes', 'hub', 'erp', 'wms', 'qms', 'console'] as const

/** Payloads above this are truncated and flagged (`payload_truncated`); the event itself is kept. */
export const MAX_PAYLOAD_BYTES = 256 * 1024

const time = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 time, e.g. 2026-11-22T13:05:00Z' })
const id = (max: number) => z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`)
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`)

export const hopErrorSchema = z.object({
  category: z.enum(ERROR_CATEGORIES),
  code: text(64),
  text: text(4000),
  retryable: z.boolean(),
  dependency_key: text(256).optional(),
  http_status: z.number().int().min(100).max(599).optional(),
  source_code: text(128).optional(),
})

export const businessSchema = z.object({
  work_order: text(64).optional(),
  operation: text(32).optional(),
  material: text(64).optional(),
  lot: text(64).optional(),
  serials: z.array(text(128)).max(10_000).optional(),
  handling_unit: text(64).optional(),
  shipment: text(64).optional(),
  quantity: z
    .object({ good: z.number().finite().optional(), scrap: z.number().finite().optional(), uom: text(16).optional() })
    .optional(),
  erp_document: text(64).optional(),
})

export const replaySchema = z.object({
  replay_id: id(128),
  requested_by: text(256).optional(),
  reason: text(2000).optional(),
  edited: z.boolean().optional(),
})

export const hopEventSchema = z.object({
  event_id: id(128),
  event_type: id(128),
  schema_version: z.number().int().min(1).default(1),
  occurred_at: time,
  recorded_at: time.optional(),
  origin_time: time.optional(),
  correlation_id: id(128),
  causation_id: text(128).optional(),
  idempotency_key: text(256).optional(),
  trace_id: z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters (W3C trace id)').optional(),
  span_id: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex characters (W3C span id)').optional(),
  parent_span_id: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex characters (W3C span id)').optional(),
  flow: id(64),
  hop: id(32),
  status: z.enum(HOP_STATUSES),
  plant: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/, 'must be an ERP plant code: 1–16 letters, digits, - or _'),
  line: text(64).optional(),
  work_center: text(64).optional(),
  storage_location: text(64).optional(),
  location_path: text(256).optional(),
  source: z.object({ system: text(64), instance: text(128).optional() }).optional(),
  business: businessSchema.optional(),
  latency_ms: z.number().int().min(0).optional(),
  attempt: z.number().int().min(1).max(1000).optional(),
  error: hopErrorSchema.nullable().optional(),
  replay: replaySchema.nullable().optional(),
  attributes: z.record(z.string().max(128), z.string().max(4096)).optional(),
  payload: z.unknown().optional(),
})

/** A hop event as producers send it (defaults not yet applied). */
export type HopEventInput = z.input<typeof hopEventSchema>
/** A validated hop event. */
export type HopEvent = z.output<typeof hopEventSchema>
export type HopError = z.infer<typeof hopErrorSchema>

/** JSON Schema for integrators, generated from the same zod schema. */
export function hopEventJsonSchema() {
  return z.toJSONSchema(hopEventSchema, { io: 'input' })
}
