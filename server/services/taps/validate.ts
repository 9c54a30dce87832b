import type { z } from 'zod'
import { DomainError } from '../../domain/errors'
import { tapDefinitionSchema, type TapDefinition } from '../../domain/taps'
import { tapCompileErrors } from '../../../ingest/taps/map'

/**
 * A tap definition checked as the worker will run it: the shared zod schema, then the mapper's own
 * compile check of every expression. Problems name the field twice, in the admin's words and by
 * its path (`Correlation id (mapping.correlation_id): …`), so both the editor and a script can act.
 */

const LABELS: Record<string, string> = {
  name: 'Name',
  topic: 'Topic',
  start: 'Start position',
  format: 'Format',
  textPattern: 'Text pattern',
  maxErrorRate: 'Pause above error rate',
  'mapping.correlation_id': 'Correlation id',
  'mapping.event_type': 'Event type',
  'mapping.flow': 'Flow',
  'mapping.hop': 'Hop',
  'mapping.plant': 'Plant',
  'mapping.occurred_at': 'Occurred at',
  'mapping.origin_time': 'Origin time',
  'mapping.status': 'Status',
  'mapping.attempt': 'Attempt',
  'mapping.source_system': 'Source system',
  'mapping.source_instance': 'Source instance',
  'mapping.error_code': 'Error code',
  'mapping.error_text': 'Error text',
  'mapping.error_category': 'Error category',
}

/** `mapping.business.work_order` → `Business key work_order`; unknown paths stay as they are. */
export function tapFieldLabel(field: string): string {
  const business = /^mapping\.business\.([^.]+)/.exec(field)?.[1]
  if (business) return `Business key ${business}`
  const attribute = /^mapping\.attributes\.([^.]+)/.exec(field)?.[1]
  if (attribute) return `Attribute ${attribute}`
  // A field that is an expression or a constant reports its inner path (`mapping.plant.value`).
  const known = Object.keys(LABELS).find((path) => field === path || field.startsWith(`${path}.`))
  return known ? LABELS[known]! : field
}

export interface TapProblem {
  /** The definition's path, as the editor names its inputs: `mapping.correlation_id`, `textPattern`. */
  field: string
  label: string
  message: string
}

type FieldProblem = Omit<TapProblem, 'label'>

const withLabel = (p: FieldProblem): TapProblem => ({ ...p, label: tapFieldLabel(p.field) })

/** The definition's own keys; every other field the mapper names is a mapping field (`business.work_order`). */
const TOP_LEVEL = new Set(['name', 'topic', 'start', 'format', 'textPattern', 'mapping', 'maxErrorRate'])

/** The mapper's field name as a path of the definition: `business.work_order` → `mapping.business.work_order`. */
export const definitionPath = (field: string) => (TOP_LEVEL.has(field.split('.')[0]!) ? field : `mapping.${field}`)

function zodProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((i) => ({ field: i.path.length ? i.path.join('.') : 'definition', message: i.message }))
}

export type CheckedTap = { ok: true; definition: TapDefinition } | { ok: false; problems: TapProblem[] }

/** Every problem of a definition the editor or the API sent (nothing is thrown for a bad one). */
export function checkTapDefinition(input: unknown): CheckedTap {
  const parsed = tapDefinitionSchema.safeParse(input)
  if (!parsed.success) return { ok: false, problems: zodProblems(parsed.error).map(withLabel) }
  const problems = tapCompileErrors(parsed.data).map((p) => ({ field: definitionPath(p.field), message: p.message }))
  return problems.length ? { ok: false, problems: problems.map(withLabel) } : { ok: true, definition: parsed.data }
}

export function problemsText(problems: TapProblem[]): string {
  return problems
    .slice(0, 10)
    .map((p) => (p.label === p.field ? `${p.field}: ${p.message}` : `${p.label} (${p.field}): ${p.message}`))
    .join('; ')
}

/** The definition, or a 400 that lists what is wrong with it field by field. */
export function validTapDefinition(input: unknown, what: string): TapDefinition {
  const checked = checkTapDefinition(input)
  if (!checked.ok) throw new DomainError('BAD_REQUEST', `${what}: ${problemsText(checked.problems)}.`)
  return checked.definition
}
