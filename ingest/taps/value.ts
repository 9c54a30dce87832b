import type { BusRecord } from '../../server/bus/port'
import { MAX_PAYLOAD_BYTES } from '../../server/domain/hop-event'
import type { TapDefinition } from '../../server/domain/taps'
import { cutUtf8 } from '../telemetry/decode'

/**
 * A tapped record's value → the input of the mapping's expressions (`$`), per the tap's `format`:
 * - `json`: the parsed value;
 * - `cloudevents` (structured mode, a JSON object with `specversion`): `$` is `data`, the other
 *   CloudEvent attributes (`id`, `source`, `type`, `time`, `subject`, extensions) are `$meta.ce`;
 * - `text`: with `textPattern`, an object of its named groups (a record it does not match fails);
 *   without, the whole text.
 * The record itself becomes the hop's payload: the value as it came (JSON, or text as a JSON string),
 * cut to MAX_PAYLOAD_BYTES on a character boundary.
 */

export type ValueFailureReason = 'empty' | 'not_utf8' | 'not_json' | 'not_cloudevent' | 'no_match'

export type DecodedValue =
  | {
      ok: true
      input: unknown
      /** The CloudEvent's attributes other than `data` (cloudevents only). */
      ce?: Record<string, unknown>
      /** The value as text, for the storage checks (lone surrogates). */
      text: string
      payload: unknown
      payloadJson: string
      payloadTruncated: boolean
    }
  | { ok: false; reason: ValueFailureReason; message: string }

const utf8 = new TextDecoder('utf-8', { fatal: true })
const SPEC_VERSION = /^1\.\d+$/

export function decodeValue(definition: Pick<TapDefinition, 'format'>, pattern: RegExp | undefined, record: BusRecord): DecodedValue {
  const value = record.value
  if (value === null || value.length === 0) return { ok: false, reason: 'empty', message: 'the record has no value' }
  let text: string
  try {
    text = utf8.decode(value)
  } catch {
    return { ok: false, reason: 'not_utf8', message: 'the value is not valid UTF-8' }
  }
  if (definition.format === 'text') {
    const payloadJson = JSON.stringify(text)
    const payload = cut(payloadJson)
    if (!pattern) return { ok: true, input: text, text, payload: text, ...payload }
    const groups = pattern.exec(text)?.groups
    if (!groups) return { ok: false, reason: 'no_match', message: `the value does not match textPattern ${pattern.source}` }
    return { ok: true, input: { ...groups }, text, payload: text, ...payload }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return { ok: false, reason: 'not_json', message: `the value is not JSON: ${(error as Error).message}` }
  }
  // The value is valid JSON already: stored as it came, not parsed and written again.
  const payload = cut(text)
  if (definition.format === 'json') return { ok: true, input: parsed, text, payload: parsed, ...payload }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { ok: false, reason: 'not_cloudevent', message: 'a structured CloudEvent must be a JSON object' }
  const { data, ...ce } = parsed as Record<string, unknown>
  if (typeof ce.specversion !== 'string' || !SPEC_VERSION.test(ce.specversion))
    return { ok: false, reason: 'not_cloudevent', message: 'specversion must be a CloudEvents 1.x spec version, e.g. "1.0"' }
  return { ok: true, input: data, ce, text, payload: parsed, ...payload }
}

function cut(json: string): { payloadJson: string; payloadTruncated: boolean } {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most values skip the byte count entirely.
  if (json.length * 3 <= MAX_PAYLOAD_BYTES || Buffer.byteLength(json) <= MAX_PAYLOAD_BYTES) return { payloadJson: json, payloadTruncated: false }
  return { payloadJson: cutUtf8(Buffer.from(json), MAX_PAYLOAD_BYTES), payloadTruncated: true }
}
