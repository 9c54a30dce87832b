import { getTransport } from '../../bus'
import type { BusRecord, Headers, Transport } from '../../bus/port'
import { DomainError } from '../../domain/errors'
import type { TapDefinition } from '../../domain/taps'
import { compileTap, type TapMapResult } from '../../../ingest/taps/map'
import { getTap, requireAdmin, type TapsCtx } from './taps'
import { checkTapDefinition, definitionPath, type TapProblem } from './validate'

/**
 * The tap editor's preview (issue #21 item 3): the newest records of the tap's topic (of each topic a
 * `/regex/` matches), read outside any consumer group so nothing is committed, each beside the hop
 * event the mapping makes of it or the reason it cannot. Works for a saved tap and for a definition
 * still in the editor.
 */

export const PREVIEW_DEFAULT = 20
export const PREVIEW_MAX = 100
/** A regex topic previews at most this many matching topics (read in parallel, a few at a time). */
const MAX_TOPICS = 20
const PARALLEL_READS = 4
/** A value longer than this is shown cut (the event is still made from the whole record). */
const MAX_VALUE_CHARS = 64 * 1024

export type TapPreviewMapping =
  /** The hop event without its payload (the record itself, shown beside it). */
  | { ok: true; event: Record<string, unknown> }
  /** `kind`: the mapper's reason (`missing`: a required field gave nothing; `expression`, `schema`, a value it could not decode). */
  | { ok: false; kind: string; field: string | null; expression: string | null; reason: string }

export interface PreviewRecord {
  topic: string
  partition: number
  offset: string
  timestamp: Date
  /** As text (UTF-8, invalid bytes replaced); null when absent. Shown as text, never as HTML. */
  key: string | null
  headers: Record<string, string>
  value: string | null
  valueTruncated: boolean
}

export interface PreviewRow {
  record: PreviewRecord
  mapping: TapPreviewMapping
  /** Required hop event fields the mapping left empty for this record (e.g. `correlation_id`). */
  missing: string[]
}

export interface TapPreview {
  topics: string[]
  rows: PreviewRow[]
  /** Problems of the definition itself: when any, no record was read. */
  problems: TapProblem[]
}

export interface PreviewInput {
  /** A saved tap (by name) or an unsaved definition from the editor (whole). */
  name?: string
  definition?: unknown
  limit?: number
}

const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'))

function headersText(headers: Headers): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map((b) => b.toString('utf8')).join(', ')]))
}

function recordView(r: BusRecord): PreviewRecord {
  const value = text(r.value)
  const truncated = value !== null && value.length > MAX_VALUE_CHARS
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: new Date(r.timestamp),
    key: text(r.key),
    headers: headersText(r.headers),
    value: truncated ? value.slice(0, MAX_VALUE_CHARS) : value,
    valueTruncated: truncated,
  }
}

function previewOf(result: TapMapResult): TapPreviewMapping {
  if (!result.ok) return { ok: false, kind: result.reason, field: result.field ? definitionPath(result.field) : null, expression: result.expression ?? null, reason: result.message }
  const { payload: _payload, ...event } = result.event
  return { ok: true, event }
}

/** A mapped event has every required field (the mapper checks); a record the mapper refused as `missing` names the one that gave nothing. */
function missingFields(mapping: TapPreviewMapping): string[] {
  return !mapping.ok && mapping.kind === 'missing' && mapping.field ? [mapping.field.replace(/^mapping\./, '')] : []
}

/** `/mes-.*\/` → the RegExp; null for a plain topic name (the mapper's compile check refused invalid ones already). */
function topicPattern(topic: string): RegExp | null {
  const body = /^\/(.+)\/$/.exec(topic)?.[1]
  return body === undefined ? null : new RegExp(body)
}

async function previewTopics(transport: Transport, topic: string): Promise<string[]> {
  const all = await transport.listTopics()
  const pattern = topicPattern(topic)
  if (!pattern) {
    if (!all.includes(topic)) throw new DomainError('NOT_FOUND', `No topic ${topic} on the bus (${transport.kind === 'kafka' ? 'KAFKA_BROKERS' : 'the in-process bus'}); check the name, or create the topic first.`)
    return [topic]
  }
  // Kafka's own topics (`__consumer_offsets`) are never business topics.
  const matching = all.filter((t) => !t.startsWith('__') && pattern.test(t)).sort()
  if (!matching.length) throw new DomainError('NOT_FOUND', `No topic on the bus matches ${topic}; check the pattern, or create a topic it matches first.`)
  return matching.slice(0, MAX_TOPICS)
}

/** Runs `work` over `items`, at most `parallel` at a time, keeping the order. */
async function bounded<T, R>(items: T[], parallel: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await work(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, lane))
  return results
}

/** The newest `limit` records across the topics' partitions, newest first (by record timestamp, then offset). */
export async function newestRecords(transport: Transport, topics: string[], limit: number): Promise<BusRecord[]> {
  const partitions = (await Promise.all(topics.map(async (topic) => (await transport.endOffsets(topic)).map((p) => ({ topic, ...p }))))).flat()
  const nonEmpty = partitions.filter((p) => BigInt(p.end) > 0n)
  const reads = await bounded(nonEmpty, PARALLEL_READS, (p) => {
    const from = BigInt(p.end) - BigInt(limit)
    return transport.readPartition(p.topic, p.partition, (from > 0n ? from : 0n).toString(), p.end)
  })
  return reads
    .flat()
    .sort((a, b) => b.timestamp - a.timestamp || (BigInt(b.offset) > BigInt(a.offset) ? 1 : BigInt(b.offset) < BigInt(a.offset) ? -1 : 0))
    .slice(0, limit)
}

async function definitionOf(ctx: TapsCtx, input: PreviewInput): Promise<{ definition: TapDefinition } | { problems: TapProblem[] }> {
  if (input.definition !== undefined) {
    const checked = checkTapDefinition(input.definition)
    return checked.ok ? { definition: checked.definition } : { problems: checked.problems }
  }
  if (!input.name) throw new DomainError('BAD_REQUEST', 'Name a saved tap or send a definition to preview.')
  return { definition: (await getTap(ctx, { name: input.name })).definition }
}

export async function previewTap(ctx: TapsCtx, input: PreviewInput): Promise<TapPreview> {
  requireAdmin(ctx, 'Previewing a tap')
  // The process's bus (the console's own connection): the preview reads outside any group.
  const transport = getTransport(ctx.config)
  const limit = Math.min(Math.max(Math.trunc(input.limit ?? PREVIEW_DEFAULT), 1), PREVIEW_MAX)
  const found = await definitionOf(ctx, input)
  if ('problems' in found) return { topics: [], rows: [], problems: found.problems }
  const topics = await previewTopics(transport, found.definition.topic)
  const records = await newestRecords(transport, topics, limit)
  const tap = compileTap(found.definition)
  const rows: PreviewRow[] = []
  for (const record of records) {
    const mapping = previewOf(await tap.map(record))
    rows.push({ record: recordView(record), mapping, missing: missingFields(mapping) })
  }
  return { topics, rows, problems: [] }
}
