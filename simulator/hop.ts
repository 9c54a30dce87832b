import type { HopError, HopEventInput } from '../server/domain/hop-event'
import { iso, spanId, uuidv7 } from './ids'
import type { LineModel, PlantModel, SystemKey } from './model'
import type { Rng } from './prng'

/**
 * Hop-event construction. A `Trail` is one side's view of a transaction (the plant side, or the
 * hub handling one message): it chains hops causally — each hop's `causation_id` is the previous
 * hop's event id and its `parent_span_id` the previous span — and fills what every hop carries
 * (correlation id, origin time, idempotency key, business keys, location, trace context).
 */

export type Business = NonNullable<HopEventInput['business']>
export type Replay = NonNullable<HopEventInput['replay']>

export interface TxnContext {
  plant: PlantModel
  flow: string
  correlationId: string
  originTime: number
  idempotencyKey?: string
  traceId: string
  line?: LineModel
  business: Business
  replay?: Replay
}

export interface HopSpec {
  type: string
  hop: string
  status: HopEventInput['status']
  at: number
  system: SystemKey
  latencyMs?: number
  attempt?: number
  error?: HopError
  business?: Business
  storageLocation?: string
  attributes?: Record<string, string>
  payload?: unknown
}

const SYSTEM_NAMES: Record<SystemKey, string> = { machine: 'PLC', mes: 'MES', wms: 'EWM', qms: 'QMS', erp: 'S/4HANA', hub: 'HUB' }

export function sourceOf(plant: PlantModel, system: SystemKey, line?: LineModel) {
  const instance = system === 'machine' && line ? `${plant.instances.machine}-${line.id.toLowerCase()}` : plant.instances[system]
  return { system: SYSTEM_NAMES[system], instance }
}

export class Trail {
  lastEventId: string | undefined
  lastSpanId: string | undefined

  constructor(
    readonly ctx: TxnContext,
    private readonly rng: Rng,
    parent?: { eventId?: string; spanId?: string },
  ) {
    this.lastEventId = parent?.eventId
    this.lastSpanId = parent?.spanId
  }

  /** `from` overrides the causal parent (fan-out: three systems applying one hold all follow the hub's hop). */
  hop(spec: HopSpec, from?: { eventId?: string; spanId?: string }): HopEventInput {
    const { ctx } = this
    const parentEvent = from ? from.eventId : this.lastEventId
    const parentSpan = from ? from.spanId : this.lastSpanId
    const eventId = uuidv7(spec.at, this.rng)
    const span = spanId(this.rng)
    const business = defined({ ...ctx.business, ...spec.business })
    const event: HopEventInput = {
      event_id: eventId,
      event_type: spec.type,
      schema_version: 1,
      occurred_at: iso(spec.at),
      recorded_at: iso(spec.at + this.rng.int(1, 40)),
      origin_time: iso(ctx.originTime),
      correlation_id: ctx.correlationId,
      causation_id: parentEvent,
      idempotency_key: ctx.idempotencyKey,
      trace_id: ctx.traceId,
      span_id: span,
      parent_span_id: parentSpan,
      flow: ctx.flow,
      hop: spec.hop,
      status: spec.status,
      plant: ctx.plant.code,
      line: ctx.line?.id,
      work_center: ctx.line?.workCenter,
      storage_location: spec.storageLocation,
      location_path: ctx.line?.locationPath,
      source: sourceOf(ctx.plant, spec.system, ctx.line),
      business,
      latency_ms: spec.latencyMs === undefined ? undefined : Math.max(0, Math.round(spec.latencyMs)),
      attempt: spec.attempt,
      error: spec.error,
      replay: ctx.replay,
      attributes: spec.attributes,
      payload: spec.payload,
    }
    this.lastEventId = eventId
    this.lastSpanId = span
    return event
  }
}

/** The business keys that have a value, or undefined when none has (no empty `business: {}` on the wire). */
function defined(b: Business): Business | undefined {
  let out: Record<string, unknown> | undefined
  for (const k in b) {
    const v = b[k as keyof Business]
    if (v !== undefined) (out ??= {})[k] = v
  }
  return out as Business | undefined
}
