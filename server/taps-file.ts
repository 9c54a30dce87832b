import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { tapDefinitionSchema, type TapDefinition } from './domain/taps'
import { tapCompileErrors } from '../ingest/taps/map'

/**
 * TAPS_FILE: taps declared as code (issue #21, "Config as code"), YAML or JSON (JSON is YAML, so one
 * parser reads both): a list of tap definitions, or an object with `taps:` holding the list. Each
 * is checked by the same zod schema and JSONata compile as a tap saved in /admin/taps; the first
 * problems stop start-up, each naming the tap and the field. File taps are enabled while they are
 * in the file and read-only in the UI.
 */

export class TapsFileError extends Error {
  constructor(
    readonly path: string,
    readonly problems: string[],
  ) {
    super(`TAPS_FILE ${path}: ${problems.join('; ')}`)
    this.name = 'TapsFileError'
  }
}

/** More than this says nothing new to whoever fixes the file. */
const MAX_PROBLEMS = 20

export function loadTapsFile(path: string): TapDefinition[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new TapsFileError(path, [`cannot be read: ${(error as Error).message}`])
  }
  let document: unknown
  try {
    document = parseYaml(text, { prettyErrors: true })
  } catch (error) {
    throw new TapsFileError(path, [`is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`])
  }
  const list = Array.isArray(document) ? document : isObject(document) && Array.isArray(document.taps) ? document.taps : undefined
  if (!list) throw new TapsFileError(path, ['must hold a list of taps, or an object with `taps:` holding the list'])

  const problems: string[] = []
  const taps: TapDefinition[] = []
  const seen = new Set<string>()
  list.forEach((entry: unknown, index) => {
    const label = isObject(entry) && typeof entry.name === 'string' ? `tap "${entry.name}"` : `tap #${index + 1}`
    const parsed = tapDefinitionSchema.safeParse(entry)
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${label} ${issue.path.join('.') || '(tap)'}: ${issue.message}`)
      return
    }
    const tap = parsed.data
    if (seen.has(tap.name)) problems.push(`${label} name: declared twice in the file`)
    seen.add(tap.name)
    for (const problem of tapCompileErrors(tap)) problems.push(`${label} ${fieldPath(problem.field)}: ${problem.message}`)
    taps.push(tap)
  })
  if (problems.length > 0) throw new TapsFileError(path, problems.slice(0, MAX_PROBLEMS))
  return taps
}

/** Mapping fields as they are written in the file (`mapping.business.work_order`). */
function fieldPath(field: string): string {
  return field === 'topic' || field === 'textPattern' ? field : `mapping.${field}`
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
