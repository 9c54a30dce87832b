/**
 * What an edit changes, field by field: one description for the admin's confirmation dialog (before
 * saving) and for the audit log (after), so both read `role: viewer → operator`, `plants: + 2100, − 1000`.
 * Pure, so the browser and the audit service share it.
 */

export type FieldChange =
  | { field: string; kind: 'value'; before: unknown; after: unknown }
  | { field: string; kind: 'set'; added: string[]; removed: string[] }

type Plain = Record<string, unknown>

/** Identity and bookkeeping, not something anyone changed. */
const IGNORED = new Set(['id', 'createdAt', 'updatedAt'])

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isScalarList(value: unknown): value is (string | number)[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')
}

/** Dates compare by instant whether they arrive as Date or as the ISO text a JSON column gives back. */
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
}

/**
 * The fields that differ between two snapshots, in the order they appear. A snapshot that is not
 * an object (or missing: a creation or a deletion) counts as having no fields.
 */
export function diffChanges(before: unknown, after: unknown): FieldChange[] {
  const b: Plain = isPlain(before) ? before : before === null || before === undefined ? {} : { value: before }
  const a: Plain = isPlain(after) ? after : after === null || after === undefined ? {} : { value: after }
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])]
  const changes: FieldChange[] = []
  for (const field of fields) {
    const from = b[field]
    const to = a[field]
    if (IGNORED.has(field) || same(from, to)) continue
    if ((isScalarList(from) || from === undefined) && (isScalarList(to) || to === undefined) && (from ?? to) !== undefined) {
      const was = (from ?? []).map(String)
      const now = (to ?? []).map(String)
      const added = now.filter((x) => !was.includes(x))
      const removed = was.filter((x) => !now.includes(x))
      // An empty list where there was none, or the same members reordered, changes nothing.
      if (added.length || removed.length) changes.push({ field, kind: 'set', added, removed })
    } else changes.push({ field, kind: 'value', before: from, after: to })
  }
  return changes
}

/** A value as a person reads it: `—` for nothing, yes/no, text as is, anything else as compact JSON (cut at 80 characters). */
export function formatChangeValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—'
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (value instanceof Date) return value.toISOString()
  const text = JSON.stringify(value)
  return text.length > 80 ? `${text.slice(0, 79)}…` : text
}

/** `role: viewer → operator`, `plants: + 2100, − 1000`; a value that only appears (a creation) reads `role: viewer`. */
export function describeChange(change: FieldChange): string {
  if (change.kind === 'set') {
    const parts = [...change.added.map((x) => `+ ${x}`), ...change.removed.map((x) => `− ${x}`)]
    return `${change.field}: ${parts.join(', ')}`
  }
  if (change.before === undefined) return `${change.field}: ${formatChangeValue(change.after)}`
  return `${change.field}: ${formatChangeValue(change.before)} → ${formatChangeValue(change.after)}`
}
