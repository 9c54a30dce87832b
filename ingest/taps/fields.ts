import jsonata from 'jsonata'
import { ERROR_CATEGORIES, HOP_STATUSES } from '../../server/domain/hop-event'
import type { TapDefinition, TapField } from '../../server/domain/taps'
import { isTopicPattern, TOPIC_NAME, topicPattern } from '../../server/domain/topics'

/**
 * A tap definition's fields, compiled: each JSONata expression is parsed once (not per record), and
 * what can be checked without a record is checked here, so a bad mapping is refused when it is
 * saved or loaded rather than dead-lettering every record.
 */

/** How a field's value is read: text (most), a time, a number (quantities), an attribute (any JSON). */
export type FieldKind = 'text' | 'time' | 'number' | 'attribute'

export interface CompiledField {
  /** The mapping's name for it: `correlation_id`, `business.work_order`, `attributes.line`. */
  name: string
  kind: FieldKind
  /** The expression, or the constant as `{"value":…}`: what error messages quote. */
  source: string
  evaluate(input: unknown, bindings: Record<string, unknown>): unknown
}

export interface FieldProblem {
  field: string
  expression: string
  message: string
}

export type CompiledFields = { fields: CompiledField[]; pattern: RegExp | undefined } | { errors: FieldProblem[] }

const KIND: Readonly<Record<string, FieldKind>> = {
  occurred_at: 'time',
  origin_time: 'time',
  attempt: 'number',
  'business.quantity_good': 'number',
  'business.quantity_scrap': 'number',
}

/** Constants of these fields must be one of the listed values. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = { status: HOP_STATUSES, error_category: ERROR_CATEGORIES }

export function compileFields(definition: TapDefinition): CompiledFields {
  const errors: FieldProblem[] = []
  const fields: CompiledField[] = []
  const { business, attributes, ...top } = definition.mapping
  const entries: [string, TapField | undefined][] = [
    ...Object.entries(top),
    ...Object.entries(business).map(([k, v]): [string, TapField | undefined] => [`business.${k}`, v]),
    ...Object.entries(attributes).map(([k, v]): [string, TapField | undefined] => [`attributes.${k}`, v]),
  ]
  for (const [name, field] of entries) {
    if (field === undefined) continue
    const kind = KIND[name] ?? (name.startsWith('attributes.') ? 'attribute' : 'text')
    if (typeof field !== 'string') {
      const allowed = ALLOWED[name]
      const source = JSON.stringify(field)
      if (allowed && !allowed.includes(field.value))
        errors.push({ field: name, expression: source, message: `the constant "${field.value}" is not one of ${allowed.join(', ')}` })
      fields.push({ name, kind, source, evaluate: () => field.value })
      continue
    }
    try {
      const expression = jsonata(field)
      const evaluate = (input: unknown, bindings: Record<string, unknown>) => expression.evaluate(input, bindings)
      fields.push({ name, kind, source: field, evaluate: simplePath(field, evaluate) ?? evaluate })
    } catch (error) {
      const position = (error as { position?: number }).position
      errors.push({ field: name, expression: field, message: `${(error as Error).message}${position === undefined ? '' : ` (at character ${position})`}` })
    }
  }
  const pattern = compilePattern(definition, errors)
  const topic = definition.topic
  if (isTopicPattern(topic)) {
    try {
      topicPattern(topic)
    } catch (error) {
      errors.push({ field: 'topic', expression: topic, message: (error as Error).message })
    }
  } else if (!TOPIC_NAME.test(topic)) {
    errors.push({ field: 'topic', expression: topic, message: 'must be a Kafka topic name (letters, digits, . _ -) or a /regex/' })
  }
  return errors.length > 0 ? { errors } : { fields, pattern }
}

/**
 * The common field is a plain path (`MES_CONF_ID`, `$.order.workOrder`): JSONata evaluates each
 * expression asynchronously, ~20 µs apiece on a fresh record (bench/taps), several times the cost of
 * the rest of the mapping. A plain path over plain objects is read directly, giving what JSONata
 * gives; wherever JSONata's semantics go further (an array on the way maps over its items, a name
 * inherited from the prototype) the expression is handed to JSONata after all. JSONata parsed the
 * expression first, so only valid expressions get here.
 */
const PLAIN_PATH = /^(?:\$\.)?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/
/** Words JSONata reads as operators or literals, not as field names. */
const KEYWORDS = new Set(['and', 'or', 'in', 'true', 'false', 'null', 'function'])

type Evaluate = CompiledField['evaluate']

export function simplePath(expression: string, jsonataEvaluate: Evaluate): Evaluate | undefined {
  if (!PLAIN_PATH.test(expression)) return undefined
  const steps = expression.replace(/^\$\./, '').split('.')
  if (steps.some((step) => KEYWORDS.has(step))) return undefined
  return (input, bindings) => {
    let value: unknown = input
    for (const step of steps) {
      if (typeof value !== 'object' || value === null) return undefined
      if (Array.isArray(value)) return jsonataEvaluate(input, bindings)
      if (!Object.hasOwn(value, step)) return step in value ? jsonataEvaluate(input, bindings) : undefined
      value = (value as Record<string, unknown>)[step]
    }
    return Array.isArray(value) ? jsonataEvaluate(input, bindings) : value
  }
}

function compilePattern(definition: TapDefinition, errors: FieldProblem[]): RegExp | undefined {
  const source = definition.textPattern
  if (source === undefined) return undefined
  if (definition.format !== 'text') {
    errors.push({ field: 'textPattern', expression: source, message: `is only read when format is text (this tap's format is ${definition.format})` })
    return undefined
  }
  try {
    const pattern = new RegExp(source)
    if (!/\(\?<[A-Za-z_$][\w$]*>/.test(source))
      errors.push({ field: 'textPattern', expression: source, message: 'needs named groups, e.g. ^(?<order>\\d+);(?<status>\\w+)$: they are the fields of $' })
    return pattern
  } catch (error) {
    errors.push({ field: 'textPattern', expression: source, message: `is not a valid regular expression: ${(error as Error).message}` })
    return undefined
  }
}
