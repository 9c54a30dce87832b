import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js'
import protobuf from 'protobufjs'
import type { DecodedTraceRequest, OtlpEncoding } from './decode'

/**
 * The receiver's answers, in the encoding of the request (OTLP/HTTP spec, "Responses"):
 *   - success: an ExportTraceServiceResponse, with `partial_success` {rejected_spans, error_message}
 *     when spans were dropped;
 *   - failure (4xx/5xx): a google.rpc.Status {code, message}.
 * ExportTraceServiceResponse is the official generated type. google.rpc.Status is not among
 * otlp-transformer's generated types: it is declared here through protobufjs reflection with the
 * two fields of googleapis' google/rpc/status.proto that we send (`details` stays empty).
 */

export interface OtlpResponse {
  status: number
  contentType: 'application/x-protobuf' | 'application/json'
  body: Uint8Array
}

interface ResponseType {
  fromObject(object: unknown): unknown
  encode(message: unknown): { finish(): Uint8Array }
  toObject(message: unknown, options: { longs: StringConstructor }): object
}

const ExportTraceServiceResponse = (
  otlpRoot as unknown as { opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceResponse: ResponseType } } } } } }
).opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse

const Status = new protobuf.Type('Status').add(new protobuf.Field('code', 1, 'int32')).add(new protobuf.Field('message', 2, 'string'))
new protobuf.Root().define('google.rpc').add(Status)

/** google.rpc.Code for the HTTP statuses the receiver answers with. */
const GRPC_CODES: Readonly<Record<number, number>> = {
  400: 3, // INVALID_ARGUMENT
  401: 16, // UNAUTHENTICATED
  403: 7, // PERMISSION_DENIED
  413: 8, // RESOURCE_EXHAUSTED
  415: 3, // INVALID_ARGUMENT
  429: 8, // RESOURCE_EXHAUSTED
  503: 14, // UNAVAILABLE
}
const GRPC_INTERNAL = 13

const textEncoder = new TextEncoder()

/** Answer in JSON when the request was JSON, else in protobuf (also for an unsupported Content-Type). */
export function responseEncoding(contentType: string | null | undefined): OtlpEncoding {
  return contentType?.toLowerCase().includes('json') ? 'json' : 'protobuf'
}

/** 200: all spans accepted, or a partial success naming how many were rejected and why. */
export function exportResponse(encoding: OtlpEncoding, decoded: Pick<DecodedTraceRequest, 'rejectedSpans' | 'rejectionMessage'>): OtlpResponse {
  const message = ExportTraceServiceResponse.fromObject(
    decoded.rejectedSpans > 0 ? { partialSuccess: { rejectedSpans: decoded.rejectedSpans, errorMessage: decoded.rejectionMessage ?? '' } } : {},
  )
  if (encoding === 'protobuf') return { status: 200, contentType: 'application/x-protobuf', body: ExportTraceServiceResponse.encode(message).finish() }
  return { status: 200, contentType: 'application/json', body: textEncoder.encode(JSON.stringify(ExportTraceServiceResponse.toObject(message, { longs: String }))) }
}

/** A 4xx/5xx with its message as a google.rpc.Status. */
export function errorResponse(encoding: OtlpEncoding, status: number, message: string): OtlpResponse {
  const code = GRPC_CODES[status] ?? GRPC_INTERNAL
  if (encoding === 'protobuf') return { status, contentType: 'application/x-protobuf', body: Status.encode(Status.create({ code, message })).finish() }
  return { status, contentType: 'application/json', body: textEncoder.encode(JSON.stringify({ code, message })) }
}
