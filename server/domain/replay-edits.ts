import { hubMessageSchema } from './flow-messages'
import { jsonDiff } from './json-patch'
import type { JsonPatchOp } from './replays'

/**
 * Payload edits of a replay (DLQ-REPLAY.md "Guards"): validated against the flow's message schema
 * before they can be saved, and kept as a diff. Pure: the edit dialog validates as the user types,
 * the server validates again at dry run and job creation.
 */

/**
 * Fields that make the record the same transaction: the trace (correlation id), ERP's duplicate
 * check (idempotency key) and routing (plant, flow, message type). An edit that changed them would
 * be a new transaction posted under the old one's name, so they are refused.
 */
export const IDENTITY_FIELDS = ['message_type', 'correlation_id', 'idempotency_key', 'plant', 'flow'] as const

export interface EditIssue {
  path: string
  message: string
}

export type EditCheck = { ok: true; patch: JsonPatchOp[]; value: string } | { ok: false; issues: EditIssue[] }

export function checkEdit(originalValue: string | null, editedValue: string): EditCheck {
  let edited: unknown
  try {
    edited = JSON.parse(editedValue)
  } catch (error) {
    return { ok: false, issues: [{ path: '(value)', message: `not JSON: ${(error as Error).message}` }] }
  }
  const parsed = hubMessageSchema.safeParse(edited)
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.') || '(message)', message: i.message })) }
  }
  let original: unknown
  try {
    original = originalValue === null ? null : JSON.parse(originalValue)
  } catch {
    original = null
  }
  const issues: EditIssue[] = []
  if (typeof original === 'object' && original !== null) {
    const before = original as Record<string, unknown>
    const after = edited as Record<string, unknown>
    for (const field of IDENTITY_FIELDS) {
      if (field in before && before[field] !== after[field])
        issues.push({ path: field, message: `must stay ${JSON.stringify(before[field])}: it identifies the transaction (trace, ERP duplicate check, routing)` })
    }
  }
  if (issues.length) return { ok: false, issues }
  const patch = jsonDiff(original, edited)
  if (!patch.length) return { ok: false, issues: [{ path: '(value)', message: 'nothing changed: replay without an edit instead' }] }
  // Re-serialised compactly: what the hub receives is exactly the validated message.
  return { ok: true, patch, value: JSON.stringify(edited) }
}
