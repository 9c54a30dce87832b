import type { HopEventInput } from '../../server/domain/hop-event'

export type Hop = HopEventInput

/** Hop events grouped by transaction, each in time order. */
export function byTransaction(events: readonly Hop[]): Map<string, Hop[]> {
  const out = new Map<string, Hop[]>()
  for (const e of events) {
    const list = out.get(e.correlation_id) ?? []
    list.push(e)
    out.set(e.correlation_id, list)
  }
  for (const list of out.values()) list.sort((a, b) => a.occurred_at.localeCompare(b.occurred_at))
  return out
}
