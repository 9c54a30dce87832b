import { z } from 'zod'

/**
 * Text that Postgres, ClickHouse and CSV files can hold. Postgres refuses NUL (`22021`, a 500
 * before this check) and a lone UTF-16 surrogate is not a character at all (it becomes U+FFFD or an
 * encoding error on the way to the store), so both are refused at the edge with a 400 that names
 * the parameter. Client code may use it too: it is plain zod.
 */
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why `value` cannot be stored as text, or null when it can. */
export function unsafeTextReason(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain NUL characters (\\u0000)'
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode text (it contains a lone surrogate)'
  return null
}

/** Longest text any single input may carry unless its schema says less (the body caps bound the rest). */
export const MAX_TEXT_LENGTH = 1024 * 1024

export interface TextIssue {
  /** `q`, `filter.codes.0`, `id`: where in the input, as the 400's details name it. */
  param: string
  message: string
}

/**
 * The first string (or object key) in an input that cannot be stored, anywhere in it: the REST
 * handler and the tRPC ladder check every input with it before any schema or store sees it, so no
 * parameter can be forgotten.
 */
export function findUnsafeText(input: unknown, path: readonly (string | number)[] = []): TextIssue | null {
  if (typeof input === 'string') {
    const reason = unsafeTextReason(input) ?? (input.length > MAX_TEXT_LENGTH ? `must be at most ${MAX_TEXT_LENGTH} characters` : null)
    return reason ? { param: path.join('.') || '(input)', message: reason } : null
  }
  if (Array.isArray(input)) {
    for (const [i, item] of input.entries()) {
      const issue = findUnsafeText(item, [...path, i])
      if (issue) return issue
    }
    return null
  }
  if (input && typeof input === 'object' && Object.getPrototypeOf(input) === Object.prototype) {
    for (const [key, value] of Object.entries(input)) {
      const keyReason = unsafeTextReason(key)
      if (keyReason) return { param: [...path, key].join('.'), message: `its name ${keyReason}` }
      const issue = findUnsafeText(value, [...path, key])
      if (issue) return issue
    }
  }
  return null
}

/** A text field: at most `max` characters, storable (no NUL, no lone surrogate). */
export function safeText(max: number) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => unsafeTextReason(v) === null, { error: (issue) => unsafeTextReason(issue.input as string) ?? 'must be valid text' })
}
