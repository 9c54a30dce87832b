import { SPAN_BUSINESS_KEYS } from '@/server/domain/otlp-mapping'
import type { TapDefinition, TapField } from '@/server/domain/taps'

/**
 * A tap definition as the editor holds it: every mapping field as the text of its input plus whether
 * that text is a JSONata expression or a constant, so typing is never fought by parsing. `fromDraft`
 * turns it back into the definition the server checks with the worker's schema and compiler.
 */

export const BUSINESS_KEYS = [...SPAN_BUSINESS_KEYS, 'quantity_good', 'quantity_scrap', 'quantity_uom'] as const

/** The fixed mapping fields, in the editor's order, required ones first. */
export const MAPPING_FIELDS = [
  { key: 'correlation_id', label: 'Correlation id', required: true, hint: 'e.g. $.MES_CONF_ID' },
  { key: 'event_type', label: 'Event type', required: true, hint: 'e.g. production.operation_confirmed' },
  { key: 'flow', label: 'Flow', required: true, hint: 'e.g. production_confirmation' },
  { key: 'hop', label: 'Hop', required: true, hint: 'mes, hub, erp, …' },
  { key: 'plant', label: 'Plant', required: true, hint: 'e.g. 3000 or $.plant' },
  { key: 'occurred_at', label: 'Occurred at', required: false, hint: 'default: the record timestamp' },
  { key: 'origin_time', label: 'Origin time', required: false, hint: '' },
  { key: 'status', label: 'Status', required: false, hint: 'default ok, e.g. $.STATUS = "51" ? "error" : "ok"' },
  { key: 'attempt', label: 'Attempt', required: false, hint: 'of a retried posting, 1 the first time, e.g. $.ATTEMPT' },
  { key: 'source_system', label: 'Source system', required: false, hint: 'e.g. MES' },
  { key: 'source_instance', label: 'Source instance', required: false, hint: '' },
  { key: 'error_code', label: 'Error code', required: false, hint: '' },
  { key: 'error_text', label: 'Error text', required: false, hint: 'e.g. $.MESSAGE' },
  { key: 'error_category', label: 'Error category', required: false, hint: '' },
] as const
export type MappingKey = (typeof MAPPING_FIELDS)[number]['key']

export interface FieldDraft {
  kind: 'expression' | 'constant'
  text: string
}

export interface KeyedDraft {
  key: string
  field: FieldDraft
}

export interface TapDraft {
  name: string
  topic: string
  start: 'earliest' | 'latest' | 'timestamp'
  /** For start `timestamp`: RFC 3339 text. */
  startAt: string
  format: TapDefinition['format']
  textPattern: string
  maxErrorRate: string
  fields: Record<MappingKey, FieldDraft>
  business: KeyedDraft[]
  attributes: KeyedDraft[]
}

const fieldDraft = (field: TapField | undefined): FieldDraft =>
  field === undefined ? { kind: 'expression', text: '' } : typeof field === 'string' ? { kind: 'expression', text: field } : { kind: 'constant', text: field.value }

const fieldOf = (d: FieldDraft): TapField | undefined => (d.text.trim() === '' ? undefined : d.kind === 'constant' ? { value: d.text } : d.text.trim())

/** A new tap: JSON records of a MES topic, the constants of a confirmation pre-filled, a work order key to fill in. */
export function emptyDraft(): TapDraft {
  const blank = (): FieldDraft => ({ kind: 'expression', text: '' })
  const constant = (text: string): FieldDraft => ({ kind: 'constant', text })
  return {
    name: '',
    topic: '',
    start: 'earliest',
    startAt: '',
    format: 'json',
    textPattern: '',
    maxErrorRate: '0.5',
    fields: {
      ...(Object.fromEntries(MAPPING_FIELDS.map(({ key }) => [key, blank()])) as Record<MappingKey, FieldDraft>),
      event_type: constant('production.operation_confirmed'),
      flow: constant('production_confirmation'),
      hop: constant('mes'),
    },
    business: [{ key: 'work_order', field: blank() }],
    attributes: [],
  }
}

export function toDraft(d: TapDefinition): TapDraft {
  return {
    name: d.name,
    topic: d.topic,
    start: typeof d.start === 'object' ? 'timestamp' : d.start,
    startAt: typeof d.start === 'object' ? d.start.timestamp : '',
    format: d.format,
    textPattern: d.textPattern ?? '',
    maxErrorRate: String(d.maxErrorRate),
    fields: Object.fromEntries(MAPPING_FIELDS.map(({ key }) => [key, fieldDraft(d.mapping[key])])) as Record<MappingKey, FieldDraft>,
    business: Object.entries(d.mapping.business).map(([key, field]) => ({ key, field: fieldDraft(field) })),
    attributes: Object.entries(d.mapping.attributes).map(([key, field]) => ({ key, field: fieldDraft(field) })),
  }
}

const keyed = (rows: KeyedDraft[]) => Object.fromEntries(rows.filter((r) => r.key.trim()).flatMap((r) => (fieldOf(r.field) === undefined ? [] : [[r.key.trim(), fieldOf(r.field)]])))

/** The definition the draft stands for, before validation (what the server is sent). Empty optional fields are left out. */
export function fromDraft(d: TapDraft): Record<string, unknown> {
  const fields = Object.fromEntries(MAPPING_FIELDS.flatMap(({ key, required }) => {
    const field = fieldOf(d.fields[key])
    // A required field left empty is sent empty, so the server names it.
    return field === undefined ? (required ? [[key, '']] : []) : [[key, field]]
  }))
  const rate = Number(d.maxErrorRate)
  return {
    name: d.name.trim(),
    topic: d.topic.trim(),
    start: d.start === 'timestamp' ? { timestamp: d.startAt.trim() } : d.start,
    format: d.format,
    ...(d.format === 'text' && d.textPattern ? { textPattern: d.textPattern } : {}),
    maxErrorRate: d.maxErrorRate.trim() === '' || Number.isNaN(rate) ? d.maxErrorRate : rate,
    mapping: { ...fields, business: keyed(d.business), attributes: keyed(d.attributes) },
  }
}

/** The problems' paths as the editor's inputs are keyed (`mapping.plant.value` → `mapping.plant`). */
export function problemMap(problems: readonly { field: string; message: string }[]): Map<string, string> {
  const map = new Map<string, string>()
  for (const p of problems) {
    const key = p.field.replace(/\.value$/, '')
    if (!map.has(key)) map.set(key, p.message)
  }
  return map
}
