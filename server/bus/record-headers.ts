import type { Headers } from './port'

type HeaderInput = Buffer | string | null | undefined

/**
 * Normalises headers to the port's shape, whether they come from a producer's record or from
 * kafkajs (which decodes one occurrence as a value and repeats as an array): a single value for
 * one occurrence, an array for several, in order. A null value (possible on the wire) becomes an
 * empty buffer so that the key stays visible.
 */
export function toHeaders(input: Record<string, HeaderInput | HeaderInput[]> | undefined, copy = false): Headers {
  const out: Headers = {}
  if (!input) return out
  for (const name in input) {
    const raw = input[name]
    if (raw === undefined) continue
    let value: Buffer | Buffer[]
    if (Array.isArray(raw)) {
      if (raw.length === 0) continue
      value = raw.length === 1 ? headerValue(raw[0], copy) : raw.map((v) => headerValue(v, copy))
    } else value = headerValue(raw, copy)
    // '__proto__' is a legal header name; plain assignment would set the prototype instead.
    if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true })
    else out[name] = value
  }
  return out
}

function headerValue(v: HeaderInput, copy: boolean): Buffer {
  if (v == null) return Buffer.alloc(0)
  if (typeof v === 'string') return Buffer.from(v)
  return copy ? Buffer.from(v) : v
}
