import type { Headers } from '../../server/bus/port'

/** Kafka headers may repeat a key; the last value is the latest (port.ts). */
export function headerBuffer(headers: Headers, name: string): Buffer | undefined {
  const v = headers[name]
  if (v === undefined) return undefined
  return Array.isArray(v) ? v[v.length - 1] : v
}

export function headerText(headers: Headers, name: string): string | undefined {
  return headerBuffer(headers, name)?.toString('utf8')
}

/** Bytes of all header names and values, for the record-size limit. */
export function headersSize(headers: Headers): number {
  let n = 0
  for (const name in headers) {
    const v = headers[name]!
    if (Array.isArray(v)) for (const b of v) n += name.length + b.length
    else n += name.length + v.length
  }
  return n
}
