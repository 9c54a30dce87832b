import { createHash } from 'node:crypto'
import type { BusRecord } from '../../server/bus/port'
import { lastHeaderText } from '../../server/bus/headers'
import type { HopError, HopEvent, HopEventInput } from '../../server/domain/hop-event'
import type { TapDefinition } from '../../server/domain/taps'
import { boundedAttributes } from '../otlp/attributes'
import { TRANSIENT_TYPE } from '../otlp/errors'
import { checkHopEvent } from '../telemetry/hop-event-validator'
import { storageErrors } from '../telemetry/storable'
import { decodeValue, type ValueFailureReason } from './value'
import { compileFields, type CompiledField, type FieldKind } from './fields'

/**
 * A tap's mapping, compiled once: one record of the tapped topic → a validated hop event, or why
 * not (the rules are in ./README.md). Pure apart from time: the same record always gives the same
 * event with the same id (`tap:<topic>:<partition>:<offset>`), so re-reading a topic counts once.
 */

export class TapCompileError extends Error {
  constructor(
    readonly field: string,
    readonly expression: string,
    message: string,
  ) {
    super(`${field}: ${message}`)
    this.name = 'TapCompileError'
  }
}

export type TapFailureReason = ValueFailureReason | 'expression' | 'missing' | 'schema'

export type TapMapResult =
  | {
      ok: true
      event: HopEvent
      payloadTruncated: boolean
      /** The record as the hop's payload (JSON text, cut to MAX_PAYLOAD_BYTES), what the pipeline stores. */
      payloadJson: string
    }
  | { ok: false; reason: TapFailureReason; field?: string; expression?: string; message: string }

export interface CompiledTap {
  definition: TapDefinition
  map(record: BusRecord): Promise<TapMapResult>
}

/** Fields a record cannot do without: each names the transaction, the hop or the plant. */
const REQUIRED = ['correlation_id', 'event_type', 'flow', 'hop', 'plant'] as const
const ERROR_FIELDS = new Set(['error_code', 'error_text', 'error_category'])
const MAX_EVENT_ID = 128

export function compileTap(definition: TapDefinition): CompiledTap {
  const compiled = compileFields(definition)
  if ('errors' in compiled) {
    const first = compiled.errors[0]!
    throw new TapCompileError(first.field, first.expression, first.message)
  }
  const { fields, pattern } = compiled
  const core = fields.filter((f) => !ERROR_FIELDS.has(f.name))
  const errorFields = fields.filter((f) => ERROR_FIELDS.has(f.name))
  // Bindings nothing refers to are not built per record.
  const sources = fields.map((f) => f.source).join('\n')
  const uses = { key: sources.includes('$key'), headers: sources.includes('$headers'), meta: sources.includes('$meta') }

  return {
    definition,
    async map(record) {
      const decoded = decodeValue(definition, pattern, record)
      if (!decoded.ok) return { ok: false, reason: decoded.reason, message: decoded.message }
      const bindings: Record<string, unknown> = {}
      if (uses.key) bindings.key = record.key?.toString('utf8')
      if (uses.headers) bindings.headers = headerTexts(record)
      if (uses.meta)
        bindings.meta = {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          timestamp: new Date(record.timestamp).toISOString(),
          ...(decoded.ce && { ce: decoded.ce }),
        }

      const values = new Map<string, unknown>()
      const failure = await evaluateAll(core, decoded.input, bindings, values)
      if (failure) return failure
      for (const name of REQUIRED)
        if (values.get(name) === undefined) {
          const field = fields.find((f) => f.name === name)!
          return { ok: false, reason: 'missing', field: name, expression: field.source, message: `${name}: ${field.source} gave nothing for this record` }
        }
      const status = (values.get('status') as string | undefined) ?? 'ok'
      if (status !== 'ok' && status !== 'skipped') {
        const failed = await evaluateAll(errorFields, decoded.input, bindings, values)
        if (failed) return failed
      }

      const input = eventInput(definition, record, values, status)
      // The contract less `attributes` (optional there; built within its limits), by the compiled
      // contract as a decoded hop event is (in place: `checked` is ours); zod only says why not.
      const { attributes: _, ...checked } = input
      const { event: valid, issues } = checkHopEvent(checked)
      if (!valid) {
        const issue = issues[0]!
        const field = mappingField(issue.path.map(String))
        const expression = fields.find((f) => f.name === field)?.source
        const value = field ? values.get(field) : undefined
        return {
          ok: false,
          reason: 'schema',
          field,
          expression,
          message: `${field ?? issue.path.join('.')}: ${value === undefined ? '' : `${JSON.stringify(value)} `}${issue.message}${expression ? ` (from ${expression})` : ''}`,
        }
      }
      const event: HopEvent = { ...valid, attributes: input.attributes, payload: decoded.payload }
      const unstorable = storageErrors(event, decoded.text)
      if (unstorable.length > 0) {
        const first = unstorable[0]!
        return { ok: false, reason: 'schema', field: mappingField(first.path.split('.')), message: `${first.path}: ${first.message}` }
      }
      return { ok: true, event, payloadTruncated: decoded.payloadTruncated, payloadJson: decoded.payloadJson }
    },
  }
}

/** Every field of the definition that does not compile (the editor shows them all at once). */
export function tapCompileErrors(definition: TapDefinition): { field: string; message: string }[] {
  const compiled = compileFields(definition)
  return 'errors' in compiled ? compiled.errors.map(({ field, message }) => ({ field, message })) : []
}

async function evaluateAll(
  fields: readonly CompiledField[],
  input: unknown,
  bindings: Record<string, unknown>,
  out: Map<string, unknown>,
): Promise<Extract<TapMapResult, { ok: false }> | undefined> {
  for (const field of fields) {
    let raw: unknown
    try {
      raw = field.evaluate(input, bindings)
      if (raw instanceof Promise) raw = await raw
    } catch (error) {
      return { ok: false, reason: 'expression', field: field.name, expression: field.source, message: `${field.name}: ${field.source} failed: ${(error as Error).message}` }
    }
    const converted = convert(raw, field.kind)
    if (typeof converted === 'object' && converted !== null && 'problem' in converted)
      return { ok: false, reason: 'expression', field: field.name, expression: field.source, message: `${field.name}: ${field.source} ${converted.problem}` }
    if (converted !== undefined) out.set(field.name, converted)
  }
  return undefined
}

/**
 * An expression's result as the hop field wants it. Numbers and booleans become text where the
 * contract wants text (an order number read as a JSON number is still an order number); a time may
 * be RFC 3339 text or milliseconds since the epoch; attributes keep structured values as JSON.
 * Nothing, null and empty text count as absent.
 */
function convert(raw: unknown, kind: FieldKind): string | number | undefined | { problem: string } {
  if (raw === undefined || raw === null || raw === '') return undefined
  if (kind === 'number') {
    const n = typeof raw === 'string' ? Number(raw.trim()) : raw
    return typeof n === 'number' && Number.isFinite(n) ? n : { problem: `gave ${JSON.stringify(raw)}, not a number` }
  }
  if (kind === 'time' && typeof raw === 'number') {
    const date = new Date(raw)
    return Number.isNaN(date.getTime()) ? { problem: `gave ${raw}, not a time in milliseconds since the epoch` } : date.toISOString()
  }
  if (typeof raw === 'string') return raw
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw)
  if (typeof raw === 'function') return { problem: 'gave a function, not a value' }
  if (kind === 'attribute') return JSON.stringify(raw)
  return { problem: `gave ${Array.isArray(raw) ? 'several values' : 'an object'} (${JSON.stringify(raw).slice(0, 200)}), not one value` }
}

function eventInput(definition: TapDefinition, record: BusRecord, values: Map<string, unknown>, status: string): HopEventInput {
  const text = (name: string) => values.get(name) as string | undefined
  const number = (name: string) => values.get(name) as number | undefined
  const business: Record<string, unknown> = {}
  for (const key of Object.keys(definition.mapping.business))
    if (!key.startsWith('quantity_') && values.has(`business.${key}`)) business[key] = text(`business.${key}`)
  const [good, scrap, uom] = [number('business.quantity_good'), number('business.quantity_scrap'), text('business.quantity_uom')]
  if (good !== undefined || scrap !== undefined || uom !== undefined) business.quantity = { good, scrap, uom }
  const system = text('source_system')
  const instance = text('source_instance')
  const attributes: Record<string, string> = {}
  for (const key of Object.keys(definition.mapping.attributes)) {
    const value = text(`attributes.${key}`)
    if (value !== undefined) attributes[key] = value
  }
  return {
    event_id: eventId(record),
    event_type: text('event_type')!,
    occurred_at: text('occurred_at') ?? new Date(record.timestamp).toISOString(),
    origin_time: text('origin_time'),
    correlation_id: text('correlation_id')!,
    flow: text('flow')!,
    hop: text('hop')!,
    status: status as HopEventInput['status'],
    plant: text('plant')!,
    ...((system ?? instance) !== undefined && { source: { system: system ?? text('hop')!, instance } }),
    ...(Object.keys(business).length > 0 && { business }),
    attempt: number('attempt'),
    error: hopError(status, text('error_code'), text('error_text'), text('error_category')),
    // The tap that made the hop, for whoever wonders where a hop without telemetry came from.
    attributes: boundedAttributes([attributes, { 'linetrace.tap': definition.name }]),
  }
}

/**
 * The hop's error, for a failed hop (`error`) or another non-ok one that names a code or text.
 * Category: error_category when mapped; else `partial` for a partial hop; else `transient` for a
 * retrying hop or a code/text that says timeout, unavailable, connection or locked (a lock conflict
 * clears by itself); else `permanent` (most rejected postings are data errors).
 */
function hopError(status: string, code: string | undefined, text: string | undefined, category: string | undefined): HopError | undefined {
  if (status === 'ok' || status === 'skipped') return undefined
  if (status !== 'error' && code === undefined && text === undefined) return undefined
  const said = `${code ?? ''} ${text ?? ''}`
  const resolved = (category ??
    (status === 'partial' ? 'partial' : status === 'retrying' || TRANSIENT_TYPE.test(said) || /\block(ed)?\b/i.test(said) ? 'transient' : 'permanent')) as HopError['category']
  return {
    category: resolved,
    code: (code ?? 'ERROR').slice(0, 64),
    text: (text ?? code ?? `the record's status is ${status}`).slice(0, 4000),
    retryable: resolved === 'transient',
  }
}

/** `tap:<topic>:<partition>:<offset>`; a topic name too long for the id is replaced by its hash. */
function eventId(record: BusRecord): string {
  const id = `tap:${record.topic}:${record.partition}:${record.offset}`
  if (id.length <= MAX_EVENT_ID) return id
  return `tap:${createHash('sha256').update(record.topic).digest('hex').slice(0, 32)}:${record.partition}:${record.offset}`
}

/** The mapping field behind a hop-event path (`source.system` ← `source_system`). */
function mappingField(path: string[]): string | undefined {
  const [head, second] = path
  if (head === 'source') return `source_${second ?? 'system'}`
  if (head === 'error') return second === 'code' || second === 'text' || second === 'category' ? `error_${second}` : 'status'
  if (head === 'business') return second === 'quantity' ? `business.quantity_${path[2] ?? 'good'}` : `business.${second}`
  if (head === 'event_id') return undefined
  return head
}

function headerTexts(record: BusRecord): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of Object.keys(record.headers)) out[name] = lastHeaderText(record.headers, name) ?? ''
  return out
}
