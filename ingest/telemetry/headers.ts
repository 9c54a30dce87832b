import type { Headers } from '../../server/bus/port'

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
