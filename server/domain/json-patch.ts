import type { JsonPatchOp } from './replays'

/**
 * The difference between two JSON values as RFC 6902 operations (add / remove / replace), for the
 * audit of payload edits and the diff shown before an edit is saved. Objects are compared key by
 * key; arrays element by element when they keep their length, else replaced whole (an edit to a
 * flow message changes a field, it does not reorder lists, so a minimal array diff buys nothing).
 * Written here rather than pulled in: it is thirty lines, and only the diff direction is needed.
 */
export function jsonDiff(before: unknown, after: unknown, path = ''): JsonPatchOp[] {
  if (sameJson(before, after)) return []
  if (isObject(before) && isObject(after)) {
    const ops: JsonPatchOp[] = []
    for (const key of Object.keys(before)) {
      if (!(key in after)) ops.push({ op: 'remove', path: `${path}/${escape(key)}` })
      else ops.push(...jsonDiff(before[key], after[key], `${path}/${escape(key)}`))
    }
    for (const key of Object.keys(after)) if (!(key in before)) ops.push({ op: 'add', path: `${path}/${escape(key)}`, value: after[key] })
    return ops
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, i) => jsonDiff(item, after[i], `${path}/${i}`))
  }
  return [{ op: 'replace', path, value: after }]
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
function escape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1')
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && sameJson(a[k], b[k]))
  }
  return false
}
