import { createHash } from 'node:crypto'

/**
 * The grouping key of dead letters (DLQ-REPLAY.md "Fingerprint", issue 19 item 1): one group per
 * root cause, with a breakdown of where it happens, as Sentry users expect. The same error code and
 * message template in the same flow is one group across plants, materials, orders and conventions.
 *
 * - An SAP message id (`M7/053`, class/number) *is* the template: SAP fills its placeholders
 *   (&1…&4) with the instance's values. So code + flow is the key; the text only varies by instance
 *   and by how each middleware wraps it ("(126) ERROR: M7/053 …" from JCo, plain from the hub).
 * - Any other code (HTTP_503, LT_INVALID) or an exception class alone: code/class + the message
 *   template (instance tokens masked) + flow.
 * - Neither category nor source topic is part of it: the category of one code differs between
 *   decoders (a class-based guess vs the hub's header), and source topics are per plant
 *   (`lt.hub.<plant>.in`), which would split every cross-plant cause. The topic (masked) stands in
 *   for a flow only when the flow is unknown.
 *
 * Changing the key splits or merges stored groups: bump FINGERPRINT_VERSION, and the start-up data
 * migration (services/dead-letters/refingerprint.ts) recomputes stored rows of older versions.
 */

/** Version 1: category + code + lightly normalised message + flow + source topic. */
export const FINGERPRINT_VERSION = 2

export interface FingerprintInput {
  category?: string | null | undefined
  code: string | null | undefined
  errorClass: string | null | undefined
  message: string | null | undefined
  flow: string | null | undefined
  sourceTopic: string | null | undefined
}

/** SAP's message class / number (T100), e.g. M7/053, BS/013, VAL/001. */
export const SAP_MESSAGE_ID = /^[A-Z][A-Z0-9_]{0,19}\/\d{3}$/

const MASKS: [RegExp, string][] = [
  // UUIDs and ISO 8601 timestamps / dates / clock times before anything eats their digits.
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>'],
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g, '<time>'],
  [/\b\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\b/g, '<time>'],
  // Java object identities (Foo@1a2b3c) and long hex ids (trace ids, hashes).
  [/@[0-9a-f]{4,}\b/gi, '@<id>'],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{12,}\b/gi, '<id>'],
  // Quoted values: user names, field values, method signatures.
  [/'[^']*'|"[^"]*"|`[^`]*`/g, '<v>'],
  // Users SAP names after "user"/"by" (lock owners, authorisation checks): MES_RFC, JDOE.
  [/\b(user|by the user|processed by|locked by)\s+[A-Z][A-Z0-9_.-]*\b/g, '$1 <v>'],
  // Keyed ids (mat:A706|plant:1110|sloc:1001): key kept, value masked.
  [/\b([a-z_]+):[^\s|,;:)]+/g, '$1:<v>'],
  // Any token with a digit: material/order/batch/lot/document ids (RM96965, FG-100-200, 0000123,
  // 2026/04, 12.500, A706, 1000), plant codes, quantities with units glued on (40PC).
  [/[A-Za-z_-]*\d[\w./,-]*/g, '#'],
]

/** The message with every instance-specific token masked: what stays is the template. */
export function normaliseMessage(message: string): string {
  let out = message
  for (const [re, to] of MASKS) out = out.replace(re, to)
  return out
    .replace(/#(?:[\s,./-]*#)+/g, '#')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 500)
}

/** The message without its code and without the wrappers middleware puts in front ("(126) ERROR:", "503 "). */
export function messageTemplate(message: string, code: string | null | undefined): string {
  let m = message
  if (code) m = m.split(code).join(' ')
  m = m.replace(/^\s*\(\d+\)\s*ERROR:\s*/i, '').replace(/^\s*(?:HTTP[_ ])?\d{3}\s+/i, '')
  return normaliseMessage(m)
}

export function isSapMessageId(code: string | null | undefined): code is string {
  return !!code && SAP_MESSAGE_ID.test(code)
}

/** The parts of the key, in order; exposed so tests and the admin can see why two records differ. */
export function fingerprintParts(i: FingerprintInput): string[] {
  const where = i.flow || (i.sourceTopic ? `topic:${normaliseMessage(i.sourceTopic)}` : '')
  if (isSapMessageId(i.code)) return ['sap', i.code, where]
  if (i.code) return ['code', i.code, messageTemplate(i.message ?? '', i.code), where]
  return ['class', i.errorClass ?? '', messageTemplate(i.message ?? '', null), where]
}

export function fingerprintOf(i: FingerprintInput): string {
  return createHash('sha256').update(fingerprintParts(i).join('\u001f')).digest('hex').slice(0, 32)
}
