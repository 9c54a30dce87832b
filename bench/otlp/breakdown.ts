import { gunzipSync } from 'node:zlib'
import { checkTraceRequest, decodeTraceRequest } from '../../ingest/otlp/decode'
import { createSpanMapper } from '../../ingest/otlp/map'
import { hopEventInPlace } from '../../ingest/telemetry/hop-event-validator'
import { parseOtlpMappingConfig } from '../../server/domain/otlp-mapping'
import type { OtlpSpan } from '../../ingest/otlp/span'
import { decodeRecord } from '../../ingest/telemetry/decode'
import { normalise } from '../../ingest/telemetry/normalise'
import { OriginCache } from '../../ingest/telemetry/origin-cache'
import { toHopEventRow, toHopPayloadRow } from '../../ingest/telemetry/rows'
import { hopEventSchema, type HopEvent } from '../../server/domain/hop-event'
import { benchRecord } from '../ingest/events'
import type { ExportBody } from './spans'
import { cpuMicros } from '../usage'

/**
 * Where a span's time goes outside ClickHouse, stage by stage, on the run's own request bodies, in
 * CPU µs per span (CPU rather than wall time: less moved by the other processes on the machine),
 * beside the same stages of a plain hop event. The receiver gunzips and checks each request to
 * answer it (partial success) and writes the protobuf; the worker decodes it into spans and maps
 * them (validation by the hop-event contract included; `validate` is that part alone), then makes
 * the rows: `receiverPlusWorker` adds them up.
 */
export interface Breakdown {
  otlp: {
    gunzip: number
    receiverCheck: number
    workerDecode: number
    map: number
    /** The mapper's check: the compiled contract (ingest/telemetry/hop-event-validator.ts). */
    validate: number
    /** The same by zod's safeParse: what the mapper used before. */
    validateZod: number
    rows: number
    receiverPlusWorker: number
  }
  hopEvent: { decode: number; rows: number; worker: number }
}

/** CPU µs per item of `fn` over `items`, after one warm-up pass. */
function perItem<T>(items: readonly T[], count: number, fn: (item: T) => unknown): number {
  for (const item of items.slice(0, 20)) fn(item)
  const c0 = cpuMicros()
  for (const item of items) fn(item)
  return Math.round(((cpuMicros() - c0) / count) * 100) / 100
}

export function breakdown(bodies: readonly ExportBody[]): Breakdown {
  const spanCount = bodies.reduce((n, b) => n + b.spans, 0)
  const options = { contentType: 'application/x-protobuf', contentEncoding: 'gzip' }
  const raw = bodies.map((b) => gunzipSync(b.body))
  const spans: OtlpSpan[] = bodies.flatMap((b) => decodeTraceRequest(b.body, options).spans)
  const mapSpan = createSpanMapper(parseOtlpMappingConfig({}))
  const events = spans.flatMap((span) => {
    const mapping = mapSpan(span)
    return mapping.kind === 'hops' ? mapping.events : []
  })
  const origins = new OriginCache()
  const now = new Date()
  const at = { topic: 'bench', partition: 0, offset: '0' }
  const rows = (event: HopEvent) => toHopEventRow(normalise(event, {}, origins, now), at, false)

  const gunzip = perItem(bodies, spanCount, (b) => gunzipSync(b.body))
  const protobuf = { contentType: 'application/x-protobuf' }
  const receiverCheck = perItem(raw, spanCount, (bytes) => checkTraceRequest(bytes, protobuf))
  const workerDecode = perItem(raw, spanCount, (bytes) => decodeTraceRequest(bytes, protobuf))
  const map = perItem(spans, spanCount, mapSpan)
  // The mapper's check (compiled, in place: on copies, as the mapper's input is its own) beside zod's.
  const copies = events.map((e) => structuredClone(e))
  const validate = perItem(copies, spanCount, hopEventInPlace)
  const validateZod = perItem(events, spanCount, (event) => hopEventSchema.safeParse(event))
  const rowCost = perItem(events, spanCount, rows)

  const records = Array.from({ length: spanCount }, (_, i) => {
    const { key, value } = benchRecord(i)
    return { topic: 'bench', partition: 0, offset: String(i), key: Buffer.from(key), value: Buffer.from(value), headers: {}, timestamp: 0 }
  })
  const decoded = records.map((r) => decodeRecord(r))
  const hopDecode = perItem(records, spanCount, decodeRecord)
  const hopRows = perItem(decoded, spanCount, (d) => {
    if (!d.ok) throw new Error('a bench hop event is invalid')
    const event = normalise(d.event, {}, origins, now)
    return [toHopEventRow(event, at, false), d.payloadJson === undefined ? undefined : toHopPayloadRow(event, d.payloadJson)]
  })
  const r2 = (n: number) => Math.round(n * 100) / 100
  return {
    otlp: { gunzip, receiverCheck, workerDecode, map, validate, validateZod, rows: rowCost, receiverPlusWorker: r2(gunzip + receiverCheck + workerDecode + map + rowCost) },
    hopEvent: { decode: hopDecode, rows: hopRows, worker: r2(hopDecode + hopRows) },
  }
}
