/**
 * A span as read from an OTLP trace request (decode.ts), independent of its wire encoding: ids as
 * lowercase hex, times as nanoseconds since the epoch, attribute values as JSON-like values
 * (64-bit integers outside the safe range as decimal text, bytes as base64).
 */

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue }
export type Attributes = Record<string, AttributeValue>

export type SpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer'
export type StatusCode = 'unset' | 'ok' | 'error'

export interface OtlpLink {
  traceId: string
  spanId: string
  traceState?: string
  attributes: Attributes
}

export interface OtlpEvent {
  name: string
  timeUnixNano: bigint
  attributes: Attributes
}

export interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  traceState?: string
  name: string
  kind: SpanKind
  startTimeUnixNano: bigint
  endTimeUnixNano: bigint
  attributes: Attributes
  events: OtlpEvent[]
  links: OtlpLink[]
  status: { code: StatusCode; message?: string }
  /** The resource's attributes (`service.name`, `service.instance.id`, …). */
  resource: Attributes
  /** The instrumentation scope that created the span. */
  scope: { name: string; version?: string }
}
