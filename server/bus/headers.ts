import type { StoredHeader } from '../domain/dead-letters'
import type { HeaderValue, Headers } from './port'

/**
 * The one way to read a record header. A key may repeat (a record that failed several times, a
 * header appended by each hop): the last occurrence is the latest. Names compare case-sensitively,
 * as Kafka's do — `ce_id` and `CE_ID` are different headers to every Kafka client.
 */

export function lastHeader(headers: Headers, name: string): HeaderValue | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v.at(-1) : v
}

/** The last occurrence as UTF-8 text (untrimmed; an empty header is ''). */
export function lastHeaderText(headers: Headers, name: string): string | undefined {
  return lastHeader(headers, name)?.toString('utf8')
}

/** The same over headers as the dead-letter store keeps them (server/bus/stored-headers.ts). */
export function lastStoredHeaderText(headers: readonly StoredHeader[], name: string): string | undefined {
  for (let i = headers.length - 1; i >= 0; i--) {
    const h = headers[i]!
    if (h.key === name) return h.text ?? Buffer.from(h.value, 'base64').toString('utf8')
  }
  return undefined
}
