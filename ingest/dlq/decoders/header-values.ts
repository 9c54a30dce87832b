import { lastHeader, lastHeaderText } from '../../../server/bus/headers'
import type { Headers } from '../../../server/bus/port'

/**
 * Reading DLQ header values, on the shared reader (server/bus/headers.ts): the last occurrence of
 * a repeated key is the latest failure, names compare case-sensitively.
 */

/** The last occurrence as trimmed text; undefined when absent or blank. */
export function text(headers: Headers, name: string): string | undefined {
  const s = lastHeaderText(headers, name)?.trim()
  return s ? s : undefined
}

export function hasPrefix(headers: Headers, prefix: string): boolean {
  return Object.keys(headers).some((k) => k.startsWith(prefix))
}

/** Every header under `prefix` (last occurrence), as text, keyed by the rest of the name. */
export function textUnder(headers: Headers, prefix: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key of Object.keys(headers)) {
    if (!key.startsWith(prefix)) continue
    const v = text(headers, key)
    if (v !== undefined) out[key.slice(prefix.length)] = v
  }
  return out
}

const DECIMAL = /^-?\d+$/

/**
 * A number as either encoding carries it: decimal text (Connect, SmallRye, our hub) or big-endian
 * binary (Spring: int32 for partitions, int64 for offsets and timestamps). Text wins when every
 * byte is a digit, so a 4-byte "1234" is 1234, not 825373492.
 */
export function integer(headers: Headers, name: string): bigint | undefined {
  const v = lastHeader(headers, name)
  if (v === undefined || v.length === 0) return undefined
  const s = v.toString('latin1')
  if (DECIMAL.test(s)) return BigInt(s)
  if (v.length === 4) return BigInt(v.readInt32BE(0))
  if (v.length === 8) return v.readBigInt64BE(0)
  return undefined
}

export function int(headers: Headers, name: string): number | undefined {
  const n = integer(headers, name)
  return n === undefined || n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER) ? undefined : Number(n)
}

/** A time as epoch milliseconds (binary or decimal) or ISO-8601 text. */
export function time(headers: Headers, name: string): number | undefined {
  const n = integer(headers, name)
  if (n !== undefined) return Number(n)
  const s = text(headers, name)
  const ms = s ? Date.parse(s) : NaN
  return Number.isFinite(ms) ? ms : undefined
}

/** Drops undefined values so decoded objects only hold what the headers said. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}
