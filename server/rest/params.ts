import { z } from 'zod'

/**
 * The one reading of REST list parameters: lists are comma-separated (`status=new,triaged`), as the
 * console's URLs write them; blanks are dropped.
 */
export const csv = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))

/** A comma-separated list of known values. */
export function csvOf<T extends readonly [string, ...string[]]>(values: T) {
  return csv.pipe(z.array(z.enum(values, { error: `must be a comma-separated list of ${values.join(', ')}` })))
}

/** `limit`: a whole number in [1, max]. */
export function limitParam(max: number) {
  return z.coerce.number().int().min(1).max(max)
}

/** `cursor`: the opaque `next_cursor`/`nextCursor` of the previous page. */
export function cursorParam(maxLength = 64) {
  return z.string().max(maxLength)
}

/**
 * An object schema read from a query string: empty values count as absent and the `lists` keys are
 * comma-separated lists, so `schema` can be the same filter schema the console sends as JSON.
 */
export function fromQueryString<T extends z.ZodType>(schema: T, lists: readonly string[]) {
  return z.preprocess((raw) => {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(raw as Record<string, string>)) {
      if (value === '') continue
      out[key] = lists.includes(key) ? csv.parse(value) : value
    }
    return out
  }, schema)
}
