import type { BusRecord, Headers } from '../../server/bus/port'
import { MAX_PAYLOAD_BYTES, type HopEvent } from '../../server/domain/hop-event'
import { checkHopEvent } from './hop-event-validator'
import { lastHeaderText } from '../../server/bus/headers'
import { headersSize } from './headers'
import { storageErrors, type FieldError } from './storable'

/**
 * One telemetry record → a validated hop event, or the reason it cannot be one (EVENT-MODEL.md
 * "On the wire"). The three accepted encodings are folded into ONE plain object of hop fields
 * before the hop-event contract checks it, so they cannot disagree:
 *   1. plain JSON hop fields;
 *   2. CloudEvents structured mode (`content-type: application/cloudevents+json`, or a JSON value
 *      with `specversion` and `data`): `data` holds the hop fields, the CloudEvent attributes fill
 *      what `data` lacks;
 *   3. CloudEvents binary mode (`ce_specversion` header): the value holds the hop fields, `ce_*`
 *      headers fill what it lacks.
 * The JSON text is parsed once; the parsed object is owned here and completed in place.
 */

export type { FieldError } from './storable'

export type DecodeFailureReason = 'empty' | 'not_utf8' | 'not_json' | 'schema' | 'too_large' | 'not_cloudevent'
export type Encoding = 'json' | 'cloudevents-structured' | 'cloudevents-binary'

export type Decoded =
  | {
      ok: true
      event: HopEvent
      encoding: Encoding
      /** `payload` as JSON text (cut to MAX_PAYLOAD_BYTES); absent when the event has no payload. */
      payloadJson?: string
      payloadTruncated: boolean
      /** W3C traceparent carried as a structured CloudEvent's extension attribute (not a header). */
      traceparent?: string
    }
  | { ok: false; reason: DecodeFailureReason; errors: FieldError[] }

/** The record size limit of EVENT-MODEL.md (Kafka's default max.message.bytes). */
export const MAX_RECORD_BYTES = 1024 * 1024
/** More errors than this say nothing new and would bloat the DLQ header. */
const MAX_ERRORS = 50

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** hop field ← CloudEvents attribute, shared by the structured and the binary mapping. */
const CE_ATTRIBUTES = [
  ['event_id', 'id'],
  ['event_type', 'type'],
  ['occurred_at', 'time'],
  ['correlation_id', 'correlationid'],
  ['causation_id', 'causationid'],
] as const

export function decodeRecord(record: BusRecord): Decoded {
  const value = record.value
  if (value === null || value.length === 0) return fail('empty', '', 'the record has no value')
  const size = value.length + (record.key?.length ?? 0) + headersSize(record.headers)
  if (size > MAX_RECORD_BYTES)
    return fail('too_large', '', `the record is ${size} bytes; the limit is ${MAX_RECORD_BYTES}`)

  let text: string
  try {
    text = utf8.decode(value)
  } catch {
    return fail('not_utf8', '', 'the value is not valid UTF-8')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return fail('not_json', '', `the value is not JSON: ${(error as Error).message}`)
  }

  const contentType = lastHeaderText(record.headers, 'content-type')
  let fields: unknown = parsed
  let encoding: Encoding = 'json'
  let traceparent: string | undefined
  if (isCloudEventsJson(contentType) || (isObject(parsed) && 'specversion' in parsed && 'data' in parsed)) {
    const ce = structured(parsed)
    if (!ce.ok) return ce
    fields = ce.fields
    traceparent = ce.traceparent
    encoding = 'cloudevents-structured'
  } else if (record.headers.ce_specversion !== undefined) {
    const problem = binary(parsed, record.headers, contentType)
    if (problem) return problem
    encoding = 'cloudevents-binary'
  }

  // The compiled contract on the hot path; zod only for what it rejects: zod's issues are the DLQ reasons.
  const { event, issues } = checkHopEvent(fields)
  if (!event) return { ok: false, reason: 'schema', errors: issues.slice(0, MAX_ERRORS).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) }
  const unstorable = storageErrors(event, text)
  if (unstorable.length > 0) return { ok: false, reason: 'schema', errors: unstorable }

  const payload = payloadText(event.payload)
  return { ok: true, event, encoding, payloadJson: payload?.json, payloadTruncated: payload?.truncated ?? false, traceparent }
}

function fail(reason: DecodeFailureReason, path: string, message: string): Decoded {
  return { ok: false, reason, errors: [{ path, message }] }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isCloudEventsJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*application\/cloudevents\+json\s*(;|$)/i.test(contentType)
}

/** `data` must be JSON: absent, `application/json` or any `…+json` media type. */
function isJsonMediaType(contentType: string | undefined): boolean {
  return contentType === undefined || /^\s*application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType)
}

const SPEC_VERSION = /^1\.\d+$/

function structured(parsed: unknown):
  | { ok: true; fields: Record<string, unknown>; traceparent?: string }
  | { ok: false; reason: 'not_cloudevent'; errors: FieldError[] } {
  const notCe = (path: string, message: string) => ({ ok: false as const, reason: 'not_cloudevent' as const, errors: [{ path, message }] })
  if (!isObject(parsed)) return notCe('', 'a structured CloudEvent must be a JSON object')
  if (typeof parsed.specversion !== 'string' || !SPEC_VERSION.test(parsed.specversion))
    return notCe('specversion', 'must be a CloudEvents 1.x spec version, e.g. "1.0"')
  if (typeof parsed.datacontenttype === 'string' && !isJsonMediaType(parsed.datacontenttype))
    return notCe('datacontenttype', 'must be a JSON media type: the hop fields are JSON')
  if (!isObject(parsed.data)) return notCe('data', 'must be a JSON object holding the hop fields')
  const fields = parsed.data
  for (const [field, attr] of CE_ATTRIBUTES) {
    if (fields[field] === undefined && parsed[attr] !== undefined) fields[field] = parsed[attr]
  }
  return { ok: true, fields, traceparent: typeof parsed.traceparent === 'string' ? parsed.traceparent : undefined }
}

function binary(parsed: unknown, headers: Headers, contentType: string | undefined): Decoded | undefined {
  const spec = lastHeaderText(headers, 'ce_specversion')!
  if (!SPEC_VERSION.test(spec))
    return fail('not_cloudevent', 'ce_specversion', 'must be a CloudEvents 1.x spec version, e.g. "1.0"')
  if (!isJsonMediaType(contentType)) return fail('not_cloudevent', 'content-type', 'must be a JSON media type: the hop fields are JSON')
  // Not an object: left to the schema, which names the expected type.
  if (!isObject(parsed)) return undefined
  for (const [field, attr] of CE_ATTRIBUTES) {
    if (parsed[field] !== undefined) continue
    const v = lastHeaderText(headers, `ce_${attr}`)
    if (v !== undefined) parsed[field] = v
  }
  return undefined
}

/** Serialised apart from the event (hop_payloads); cut on a character boundary when too big. */
function payloadText(payload: unknown): { json: string; truncated: boolean } | undefined {
  if (payload === undefined || payload === null) return undefined
  const json = JSON.stringify(payload)
  // A UTF-16 unit is at most 3 UTF-8 bytes: most payloads skip the byte count entirely.
  if (json.length * 3 <= MAX_PAYLOAD_BYTES || Buffer.byteLength(json) <= MAX_PAYLOAD_BYTES) return { json, truncated: false }
  return { json: cutUtf8(Buffer.from(json), MAX_PAYLOAD_BYTES), truncated: true }
}

/** The longest prefix of at most `max` bytes that ends on a character boundary, as text. */
export function cutUtf8(bytes: Buffer, max: number): string {
  if (bytes.length <= max) return bytes.toString('utf8')
  let end = max
  // bytes[end] is the first byte left out: step back while it continues a character (10xxxxxx).
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--
  return bytes.toString('utf8', 0, end)
}
