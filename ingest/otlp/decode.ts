import { gunzipSync } from 'node:zlib'
import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js'
import { setOwn } from './attributes'
import type { AttributeValue, Attributes, OtlpLink, OtlpSpan, SpanKind, StatusCode } from './span'

/**
 * OTLP/HTTP trace request bodies → typed spans (SOURCES.md "OTLP → hop events"). The protobuf
 * schema is the official opentelemetry-proto one, as generated (protobufjs static code) inside
 * `@opentelemetry/otlp-transformer`, the package the OTel JS exporters themselves encode with: we
 * decode with exactly the code that encodes, and write no protobuf parser of our own.
 *
 * Both encodings meet in one protobufjs message before anything is read from it:
 *   - `application/x-protobuf`: `decode`;
 *   - `application/json` (OTLP/JSON): JSON.parse, the hex trace/span ids (OTLP/JSON's one departure
 *     from the proto3 JSON mapping) turned into bytes, then protobufjs `fromObject`, which accepts
 *     enum names or numbers and 64-bit integers as strings or numbers, and ignores unknown fields.
 * A body that cannot be read at all throws `OtlpDecodeError` (→ HTTP 400/413/415). A readable body
 * with individual bad spans (ids of the wrong length, all-zero ids) keeps the good spans and counts
 * the rest as rejected, which is OTLP's partial success.
 */

export type OtlpDecodeFailure =
  | 'unsupported_media_type'
  | 'unsupported_encoding'
  | 'bad_gzip'
  | 'too_large'
  | 'not_protobuf'
  | 'not_json'
  | 'schema'

/** Why a request body could not be read; `status` is the HTTP answer the OTLP spec asks for. */
export class OtlpDecodeError extends Error {
  readonly reason: OtlpDecodeFailure
  readonly status: 400 | 413 | 415
  constructor(reason: OtlpDecodeFailure, message: string) {
    super(message)
    this.name = 'OtlpDecodeError'
    this.reason = reason
    this.status = reason === 'too_large' ? 413 : reason.startsWith('unsupported') ? 415 : 400
  }
}

export type OtlpEncoding = 'protobuf' | 'json'

export interface DecodeOptions {
  /** The request's `Content-Type` (parameters such as `charset` are ignored). */
  contentType: string | null | undefined
  /** The request's `Content-Encoding`: absent, `identity` or `gzip`. */
  contentEncoding?: string | null
  /** Limit on the (decompressed) body, against gzip bombs. */
  maxBytes?: number
}

/** What the receiver needs to answer and store a request, without reading its spans. */
export interface CheckedTraceRequest {
  encoding: OtlpEncoding
  /** Spans with valid ids: those the request's answer accepts. */
  acceptedSpans: number
  /** OTLP partial success: spans dropped, and why (the first few reasons). */
  rejectedSpans: number
  rejectionMessage?: string
  /**
   * The request as OTLP protobuf bytes (the body itself when it was protobuf): the compact,
   * encoding-independent form to write to the bus before acknowledging.
   */
  protobuf: Uint8Array
}

export interface DecodedTraceRequest extends CheckedTraceRequest {
  spans: OtlpSpan[]
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
const MAX_REJECTION_REASONS = 5

// protobufjs' static code is untyped (`$protobuf.Root`); these are the fields we read. It is
// generated with null defaults: any scalar or message field may be null when absent.
type Maybe<T> = T | null | undefined
interface ProtoLong {
  low: number
  high: number
  toString(): string
}
interface ProtoAnyValue {
  value?: 'stringValue' | 'boolValue' | 'intValue' | 'doubleValue' | 'arrayValue' | 'kvlistValue' | 'bytesValue'
  stringValue?: Maybe<string>
  boolValue?: Maybe<boolean>
  intValue?: Maybe<ProtoLong | number>
  doubleValue?: Maybe<number>
  arrayValue?: Maybe<{ values: ProtoAnyValue[] }>
  kvlistValue?: Maybe<{ values: ProtoKeyValue[] }>
  bytesValue?: Maybe<Uint8Array>
}
interface ProtoKeyValue {
  key: Maybe<string>
  value: Maybe<ProtoAnyValue>
}
interface ProtoSpan {
  traceId: Maybe<Uint8Array>
  spanId: Maybe<Uint8Array>
  parentSpanId: Maybe<Uint8Array>
  traceState: Maybe<string>
  name: Maybe<string>
  kind: Maybe<number>
  startTimeUnixNano: Maybe<ProtoLong | number>
  endTimeUnixNano: Maybe<ProtoLong | number>
  attributes: ProtoKeyValue[]
  events: { timeUnixNano: Maybe<ProtoLong | number>; name: Maybe<string>; attributes: ProtoKeyValue[] }[]
  links: { traceId: Maybe<Uint8Array>; spanId: Maybe<Uint8Array>; traceState: Maybe<string>; attributes: ProtoKeyValue[] }[]
  status: Maybe<{ code: Maybe<number>; message: Maybe<string> }>
}
interface ProtoRequest {
  resourceSpans: {
    resource: Maybe<{ attributes: ProtoKeyValue[] }>
    scopeSpans: { scope: Maybe<{ name: Maybe<string>; version: Maybe<string> }>; spans: ProtoSpan[] }[]
  }[]
}
interface RequestType {
  decode(bytes: Uint8Array): ProtoRequest
  fromObject(object: unknown): ProtoRequest
  encode(message: ProtoRequest): { finish(): Uint8Array }
}

const ExportTraceServiceRequest = (
  otlpRoot as unknown as { opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: RequestType } } } } } }
).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest

const KINDS: readonly SpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer']
const STATUS_CODES: readonly StatusCode[] = ['unset', 'ok', 'error']

export function decodeTraceRequest(body: Uint8Array, options: DecodeOptions): DecodedTraceRequest {
  const { request, ...parsed } = parse(body, options)
  return { ...parsed, ...readSpans(request, true) }
}

/**
 * The receiver's read of a request: the same checks, counts and rejections as decodeTraceRequest,
 * without turning the spans into OtlpSpans (hex ids, attribute maps), which only the worker needs:
 * per span that is most of decoding, and the worker does it anyway.
 */
export function checkTraceRequest(body: Uint8Array, options: DecodeOptions): CheckedTraceRequest {
  const { request, ...parsed } = parse(body, options)
  const { spans: _none, ...checked } = readSpans(request, false)
  return { ...parsed, ...checked }
}

function parse(body: Uint8Array, options: DecodeOptions): { encoding: OtlpEncoding; request: ProtoRequest; protobuf: Uint8Array } {
  const encoding = mediaType(options.contentType)
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES
  const bytes = decompress(body, options.contentEncoding, maxBytes)
  if (bytes.length > maxBytes) throw new OtlpDecodeError('too_large', `the body is ${bytes.length} bytes; the limit is ${maxBytes}`)

  let request: ProtoRequest
  let protobuf: Uint8Array
  if (encoding === 'protobuf') {
    try {
      request = ExportTraceServiceRequest.decode(bytes)
    } catch (error) {
      throw new OtlpDecodeError('not_protobuf', `the body is not an OTLP ExportTraceServiceRequest: ${(error as Error).message}`)
    }
    protobuf = bytes
  } else {
    request = fromJson(bytes)
    protobuf = ExportTraceServiceRequest.encode(request).finish()
  }
  return { encoding, request, protobuf }
}

function mediaType(contentType: string | null | undefined): OtlpEncoding {
  const type = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase()
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf'
  if (type === 'application/json') return 'json'
  throw new OtlpDecodeError(
    'unsupported_media_type',
    `Content-Type ${contentType ? `"${contentType}"` : '(none)'} is not supported; send application/x-protobuf or application/json`,
  )
}

function decompress(body: Uint8Array, contentEncoding: string | null | undefined, maxBytes: number): Uint8Array {
  const coding = (contentEncoding ?? '').trim().toLowerCase()
  if (coding === '' || coding === 'identity') return body
  if (coding !== 'gzip') throw new OtlpDecodeError('unsupported_encoding', `Content-Encoding "${contentEncoding}" is not supported; send gzip or none`)
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new OtlpDecodeError('too_large', `the body inflates to more than ${maxBytes} bytes`)
    throw new OtlpDecodeError('bad_gzip', `the body is not valid gzip: ${(error as Error).message}`)
  }
}

function fromJson(bytes: Uint8Array): ProtoRequest {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (error) {
    throw new OtlpDecodeError('not_json', `the body is not UTF-8 JSON: ${(error as Error).message}`)
  }
  if (!isObject(parsed)) throw new OtlpDecodeError('schema', 'the body must be a JSON object with resourceSpans')
  hexIdsToBytes(parsed)
  try {
    return ExportTraceServiceRequest.fromObject(parsed)
  } catch (error) {
    throw new OtlpDecodeError('schema', `the body is not an OTLP/JSON ExportTraceServiceRequest: ${(error as Error).message}`)
  }
}

/** OTLP/JSON writes trace and span ids as hex, proto3 JSON would read them as base64: convert in place. */
function hexIdsToBytes(request: Record<string, unknown>): void {
  for (const resourceSpans of arrayOf(request.resourceSpans))
    for (const scopeSpans of arrayOf(resourceSpans.scopeSpans))
      for (const span of arrayOf(scopeSpans.spans)) {
        idField(span, 'traceId')
        idField(span, 'spanId')
        idField(span, 'parentSpanId')
        for (const link of arrayOf(span.links)) {
          idField(link, 'traceId')
          idField(link, 'spanId')
        }
      }
}

function idField(object: Record<string, unknown>, field: string): void {
  const value = object[field]
  if (typeof value !== 'string') return
  // Not hex: one byte that no id length accepts, so the span is rejected with the id named.
  object[field] = /^(?:[0-9a-fA-F]{2})*$/.test(value) ? Buffer.from(value, 'hex') : Buffer.alloc(1)
}

function arrayOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isObject) : []
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Checks every span's ids; reads the valid ones into OtlpSpans only when `read` (the worker). */
function readSpans(request: ProtoRequest, read: boolean): Omit<DecodedTraceRequest, 'encoding' | 'protobuf'> {
  const spans: OtlpSpan[] = []
  const reasons: string[] = []
  let acceptedSpans = 0
  let rejectedSpans = 0
  for (const resourceSpans of request.resourceSpans) {
    let resource: Attributes | undefined
    for (const scopeSpans of resourceSpans.scopeSpans) {
      const version = scopeSpans.scope?.version
      const scope = { name: scopeSpans.scope?.name ?? '', ...(version && { version }) }
      for (const span of scopeSpans.spans) {
        const problem = invalidIds(span)
        if (problem) {
          rejectedSpans++
          if (reasons.length < MAX_REJECTION_REASONS) reasons.push(`span "${span.name ?? ''}": ${problem}`)
          continue
        }
        acceptedSpans++
        if (read) spans.push(readSpan(span, (resource ??= attributes(resourceSpans.resource?.attributes)), scope))
      }
    }
  }
  return { spans, acceptedSpans, rejectedSpans, ...(rejectedSpans > 0 && { rejectionMessage: reasons.join('; ') }) }
}

function invalidIds(span: ProtoSpan): string | undefined {
  if (!validId(span.traceId, 16)) return 'traceId must be 16 bytes (32 hex digits), not all zero'
  if (!validId(span.spanId, 8)) return 'spanId must be 8 bytes (16 hex digits), not all zero'
  const parent = span.parentSpanId?.length ?? 0
  if (parent !== 0 && parent !== 8) return 'parentSpanId must be empty or 8 bytes'
  for (const link of span.links)
    if (!validId(link.traceId, 16) || !validId(link.spanId, 8)) return 'a link has an invalid traceId or spanId'
  return undefined
}

function validId(id: Maybe<Uint8Array>, length: number): id is Uint8Array {
  return id?.length === length && id.some((byte) => byte !== 0)
}

function readSpan(span: ProtoSpan, resource: Attributes, scope: OtlpSpan['scope']): OtlpSpan {
  const parentSpanId = hex(span.parentSpanId)
  const links: OtlpLink[] = span.links.map((link) => ({
    traceId: hex(link.traceId),
    spanId: hex(link.spanId),
    ...(link.traceState && { traceState: link.traceState }),
    attributes: attributes(link.attributes),
  }))
  return {
    traceId: hex(span.traceId),
    spanId: hex(span.spanId),
    ...(parentSpanId && { parentSpanId }),
    ...(span.traceState && { traceState: span.traceState }),
    name: span.name ?? '',
    kind: KINDS[span.kind ?? 0] ?? 'unspecified',
    startTimeUnixNano: nanos(span.startTimeUnixNano),
    endTimeUnixNano: nanos(span.endTimeUnixNano),
    attributes: attributes(span.attributes),
    events: span.events.map((event) => ({ name: event.name ?? '', timeUnixNano: nanos(event.timeUnixNano), attributes: attributes(event.attributes) })),
    links,
    status: { code: STATUS_CODES[span.status?.code ?? 0] ?? 'unset', ...(span.status?.message && { message: span.status.message }) },
    resource,
    scope,
  }
}

const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

/**
 * Ids are checked by `invalidIds` before they are read: absent ones never reach here. By table, not
 * `Buffer#toString('hex')`: a span has three to five ids, and for 8 or 16 bytes the Buffer view and
 * the native call cost more than the conversion (measured ~90 against ~260 ns an 8-byte id).
 */
function hex(bytes: Maybe<Uint8Array>): string {
  if (!bytes) return ''
  let text = ''
  for (let i = 0; i < bytes.length; i++) text += HEX_BYTE[bytes[i]!]
  return text
}

/**
 * A fixed64 time: protobufjs reads it as a Long (with the `long` package installed, as here) whose two
 * 32-bit halves make the bigint; its decimal `toString` was a third of reading a span.
 */
function nanos(value: Maybe<ProtoLong | number>): bigint {
  if (value == null) return 0n
  if (typeof value === 'number') return BigInt(value)
  return unsigned64(value)
}

/** A Long's 64 bits, unsigned. */
function unsigned64(value: ProtoLong): bigint {
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0)
}

/**
 * An int64 as a number when it is a safe integer, else as exact decimal text. From the Long's two
 * halves: its decimal `toString`, which the value was read through before, divides Longs and cost
 * about a microsecond per integer attribute (a Kafka offset, a port, an HTTP status).
 */
function int64(value: Maybe<ProtoLong | number>): number | string {
  if (value == null) return 0
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : String(value)
  // Exact whenever the value is a safe integer (both terms and the sum are then integers below 2^53);
  // any other value comes out at least 2^53 in magnitude, not safe, and is read exactly below.
  const number = value.high * 4294967296 + (value.low >>> 0)
  return Number.isSafeInteger(number) ? number : BigInt.asIntN(64, unsigned64(value)).toString()
}

function attributes(list: ProtoKeyValue[] | undefined): Attributes {
  const out: Attributes = {}
  for (const { key, value } of list ?? []) if (key) setOwn(out, key, anyValue(value))
  return out
}

function anyValue(value: Maybe<ProtoAnyValue>): AttributeValue {
  switch (value?.value) {
    case 'stringValue':
      return value.stringValue ?? ''
    case 'boolValue':
      return value.boolValue ?? false
    case 'intValue':
      return int64(value.intValue)
    case 'doubleValue':
      return value.doubleValue ?? 0
    case 'arrayValue':
      return (value.arrayValue?.values ?? []).map(anyValue)
    case 'kvlistValue':
      return attributes(value.kvlistValue?.values)
    case 'bytesValue':
      return Buffer.from(value.bytesValue ?? []).toString('base64')
    default:
      return null
  }
}
