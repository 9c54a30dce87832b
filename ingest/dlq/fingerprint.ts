import { createHash } from 'node:crypto'

/**
 * The grouping key of dead letters (DLQ-REPLAY.md "Fingerprint"): the same root cause in the same
 * place gets the same fingerprint, whatever the order numbers, quantities or ids in its message.
 * Inputs: category, error code (else the exception class), the normalised message, flow and the
 * source topic. Stable across releases: changing it splits existing groups, so change it only with
 * a migration of stored fingerprints.
 */

export interface FingerprintInput {
  category: string | null | undefined
  code: string | null | undefined
  errorClass: string | null | undefined
  message: string | null | undefined
  flow: string | null | undefined
  sourceTopic: string | null | undefined
}

/** Masks what varies per record: UUIDs, long hex ids, numbers (with separators), quoted values. */
export function normaliseMessage(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{12,}\b/gi, '<id>')
    .replace(/'[^']*'|"[^"]*"/g, '<v>')
    .replace(/\d+(?:[.,:/]\d+)*/g, '#')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 500)
}

export function fingerprintOf(i: FingerprintInput): string {
  const parts = [i.category ?? '', i.code ?? i.errorClass ?? '', normaliseMessage(i.message ?? ''), i.flow ?? '', i.sourceTopic ?? '']
  return createHash('sha256').update(parts.join('\u001f')).digest('hex').slice(0, 32)
}
