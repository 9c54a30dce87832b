import type { HopError, HopEventInput } from '../../server/domain/hop-event'
import { attributeText } from './attributes'
import type { Attributes } from './span'

/**
 * Hop fields OpenTelemetry has no convention for, set by Linetrace-aware instrumentation (the
 * simulator's OTLP plants, or middleware whose spans should carry them) as span attributes with
 * fixed `linetrace.` names. Without them a span maps as before; with them its hop joins the
 * transaction's other hops (the origin time is part of the transaction's key) and says what a
 * status code cannot: retrying, dead-lettered, partial. Values are not checked here: the hop
 * contract checks them, and a span it refuses is unmapped (`schema`) with the contract's errors.
 */
export const HOP_FIELD_ATTRIBUTES = {
  /** A hop status (`retrying`, `dead_lettered`, `partial`, …) instead of ok/error from the span status. */
  status: 'linetrace.status',
  /** The transaction's origin (RFC 3339): without it the worker uses the first hop it saw's time. */
  originTime: 'linetrace.origin_time',
  idempotencyKey: 'linetrace.idempotency_key',
  /** The replay this hop belongs to (the hop's `replay.replay_id`). */
  replayId: 'linetrace.replay_id',
  /** The error's category instead of the one derived from the HTTP status; also gives a non-failed span (a partial posting) its error. */
  errorCategory: 'linetrace.error.category',
  errorDependencyKey: 'linetrace.error.dependency_key',
  quantityGood: 'linetrace.quantity.good',
  quantityScrap: 'linetrace.quantity.scrap',
  quantityUom: 'linetrace.quantity.uom',
} as const

export interface HopFields {
  status?: HopEventInput['status']
  originTime?: string
  idempotencyKey?: string
  replayId?: string
  errorCategory?: HopError['category']
  errorDependencyKey?: string
  quantity?: NonNullable<NonNullable<HopEventInput['business']>['quantity']>
}

export function hopFields(attributes: Attributes): HopFields {
  const good = numberOf(attributes[HOP_FIELD_ATTRIBUTES.quantityGood])
  const scrap = numberOf(attributes[HOP_FIELD_ATTRIBUTES.quantityScrap])
  const uom = attributeText(attributes[HOP_FIELD_ATTRIBUTES.quantityUom])
  return {
    status: attributeText(attributes[HOP_FIELD_ATTRIBUTES.status]) as HopFields['status'],
    originTime: attributeText(attributes[HOP_FIELD_ATTRIBUTES.originTime]),
    idempotencyKey: attributeText(attributes[HOP_FIELD_ATTRIBUTES.idempotencyKey]),
    replayId: attributeText(attributes[HOP_FIELD_ATTRIBUTES.replayId]),
    errorCategory: attributeText(attributes[HOP_FIELD_ATTRIBUTES.errorCategory]) as HopFields['errorCategory'],
    errorDependencyKey: attributeText(attributes[HOP_FIELD_ATTRIBUTES.errorDependencyKey]),
    quantity: good === undefined && scrap === undefined && uom === undefined ? undefined : { good, scrap, uom },
  }
}

/**
 * A number, or numeric text, else undefined. Module-level rather than a closure per span: tsx
 * (npm start, npm run ingest) names every function it creates, a defineProperty each.
 */
function numberOf(value: Attributes[string] | undefined): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value
  return typeof n === 'number' ? n : undefined
}
