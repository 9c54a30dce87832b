/**
 * Which hop a trace opens on. A support engineer opens a failed transaction to see why it failed,
 * so failed, dead-lettered, partial and stuck traces open on the failing hop (the last one that
 * failed: an earlier failure may have been retried past), or on the last hop when none failed (a
 * stuck transaction stopped there). Healthy and running ones open on the source event. Pure, so
 * the trace view (client) and tests share it.
 */

const FAILING_HOP_STATUSES = new Set(['dead_lettered', 'error', 'partial'])
const OPENS_ON_FAILURE = new Set(['dead_lettered', 'partial', 'stuck', 'retrying', 'waiting'])

export interface FocusHop {
  status: string
}

export function focusHopIndex(hops: readonly FocusHop[], state: string | null | undefined): number {
  if (hops.length === 0 || !state || !OPENS_ON_FAILURE.has(state)) return 0
  for (let i = hops.length - 1; i >= 0; i--) if (FAILING_HOP_STATUSES.has(hops[i]!.status)) return i
  return hops.length - 1
}

export interface ReasonHop {
  status: string
  event_type: string
  error_category: string | null
  error_code: string | null
  error_text: string | null
}

/**
 * The failure reason the trace header states, from the focused hop: its error (code and text) when it
 * has one, otherwise what the state means there. Null for traces without a failure to explain.
 */
export function failureReason(hop: ReasonHop | undefined, state: string | null | undefined): string | null {
  if (!hop || !state || !OPENS_ON_FAILURE.has(state)) return null
  if (hop.error_text || hop.error_code) return [hop.error_code, hop.error_text].filter(Boolean).join(': ')
  if (state === 'stuck') return `No posting within the flow SLA; the last hop seen is ${hop.event_type} (${hop.status}).`
  if (hop.error_category) return `${hop.error_category} error at ${hop.event_type}`
  return null
}
