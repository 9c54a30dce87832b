import type { HopEvent } from '../../server/domain/hop-event'

/**
 * Values the hop-event contract accepts but ClickHouse cannot store as sent. Each of these was
 * checked on chDB 26.7: out-of-range integers are silently WRAPPED (latency_ms 5e9 is stored as
 * 705032704), and an unpaired UTF-16 surrogate (a JSON `\ud800` escape, legal JSON and valid
 * UTF-8) fails the WHOLE insert ("missing second part of surrogate pair"). A failed insert is
 * retried until it succeeds, so one such event would stall its partition forever: they are
 * dead-lettered here, with the reason `schema`, like any other contract violation.
 */

const UINT32_MAX = 4_294_967_295
const UINT16_MAX = 65_535

export interface FieldError {
  path: string
  message: string
}

/** A `\uD800`–`\uDFFF` escape in the raw text is the only way a lone surrogate reaches a string. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/
/** With the u flag a well-formed pair is one code point, so only unpaired halves match. */
const LONE_SURROGATE = /\p{Cs}/u

export function storageErrors(event: HopEvent, rawText: string): FieldError[] {
  const errors: FieldError[] = []
  if (event.latency_ms !== undefined && event.latency_ms > UINT32_MAX)
    errors.push({ path: 'latency_ms', message: `must be at most ${UINT32_MAX}` })
  if (event.schema_version > UINT16_MAX) errors.push({ path: 'schema_version', message: `must be at most ${UINT16_MAX}` })
  // Cheap test on the raw text first: the walk below runs only for the rare record with such escapes.
  if (rawText.includes('\\u') && SURROGATE_ESCAPE.test(rawText)) findLoneSurrogates(event, '', errors)
  return errors
}

function findLoneSurrogates(value: unknown, path: string, out: FieldError[]): void {
  if (out.length >= 20) return
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) out.push({ path, message: 'must be valid Unicode text (contains an unpaired surrogate escape)' })
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => findLoneSurrogates(v, path ? `${path}.${i}` : String(i), out))
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k
      if (LONE_SURROGATE.test(k)) out.push({ path: p, message: 'key must be valid Unicode text (contains an unpaired surrogate escape)' })
      findLoneSurrogates(v, p, out)
    }
  }
}
