import type { Rng } from './prng'

/**
 * Identifiers shaped like the real ones, drawn from seeded randomness so that a seed reproduces
 * them: UUIDv7 event ids (time = the simulated clock), W3C trace context, and business numbers in
 * SAP's formats.
 */

/** RFC 9562 UUIDv7: 48-bit ms timestamp, version 7, variant 10, 74 random bits from `rng`. */
export function uuidv7(timeMs: number, rng: Rng): string {
  const ts = Math.max(0, Math.floor(timeMs)).toString(16).padStart(12, '0').slice(-12)
  const r = rng.hex(10)
  const variant = (0x8 | (parseInt(r[4]!, 16) & 0x3)).toString(16)
  return `${ts.slice(0, 8)}-${ts.slice(8)}-7${r.slice(1, 4)}-${variant}${r.slice(5, 8)}-${r.slice(8, 20)}`
}

export const traceId = (rng: Rng) => rng.hex(16)
export const spanId = (rng: Rng) => rng.hex(8)

export function traceparent(trace: string, span: string): string {
  return `00-${trace}-${span}-01`
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/

export function parseTraceparent(value: string | undefined): { traceId: string; spanId: string } | undefined {
  const m = value === undefined ? null : TRACEPARENT.exec(value.trim())
  return m ? { traceId: m[1]!, spanId: m[2]! } : undefined
}

/** GS1 SSCC (18 digits, mod-10 check digit): what a handling-unit label carries. */
export function sscc(companyPrefix: string, serial: number): string {
  const body = `1${companyPrefix}${String(serial).padStart(16 - companyPrefix.length, '0')}`.slice(0, 17)
  let sum = 0
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1)
  return body + String((10 - (sum % 10)) % 10)
}

let isoSecond = NaN
let isoPrefix = ''
/** RFC 3339 UTC with milliseconds. Three per hop event: the formatted second is reused (toISOString is costly in a backfill). */
export function iso(ms: number): string {
  const t = Math.floor(ms)
  const second = Math.floor(t / 1000)
  if (second !== isoSecond) {
    isoSecond = second
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 19)
  }
  return `${isoPrefix}.${String(t - second * 1000).padStart(3, '0')}Z`
}
