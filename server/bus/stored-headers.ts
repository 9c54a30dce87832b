import type { StoredHeader } from '../domain/dead-letters'
import type { Headers } from './port'

/**
 * Kafka headers ⇄ their stored form (server/domain/dead-letters.ts): the dead-letter indexer stores
 * a record's headers, the replay executor produces them again. Byte-exact both ways.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Text for people, when the bytes are UTF-8 without NUL characters: binary integers (Spring's
 * big-endian partition and offsets) are often valid UTF-8 full of NULs, which Postgres' jsonb
 * cannot store (`\u0000` is rejected) and which no person can read anyway.
 */
function asText(value: Buffer): string | undefined {
  if (value.includes(0)) return undefined
  try {
    return utf8.decode(value)
  } catch {
    return undefined
  }
}

/** Flattens a record's headers in order; repeated keys stay repeated. */
export function toStoredHeaders(headers: Headers): StoredHeader[] {
  return Object.entries(headers).flatMap(([key, v]) =>
    (Array.isArray(v) ? v : [v]).map((value) => {
      const text = asText(value)
      return { key, value: value.toString('base64'), ...(text !== undefined ? { text } : {}) }
    }),
  )
}

/** Back to producer headers (repeats as arrays, in order), keeping only the keys `keep` accepts. */
export function fromStoredHeaders(stored: readonly StoredHeader[], keep: (key: string) => boolean = () => true): Record<string, Buffer[]> {
  const out: Record<string, Buffer[]> = {}
  for (const h of stored) if (keep(h.key)) (out[h.key] ??= []).push(Buffer.from(h.value, 'base64'))
  return out
}
