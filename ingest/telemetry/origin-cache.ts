/**
 * correlation_id → origin of that transaction, for hops that arrive without `origin_time`.
 * Bounded LRU on a Map (insertion order = recency): all hops of a transaction share one Kafka
 * partition and arrive close together, so a few hundred thousand recent transactions cover the
 * hops that need it, in a few tens of MB.
 */

export interface Origin {
  /** RFC 3339 text as it will be written. */
  iso: string
  /** Sent by a hop (authoritative) rather than the first hop seen's time (normalise.ts originOf). */
  explicit: boolean
}

export class OriginCache {
  private readonly map = new Map<string, Origin>()

  constructor(readonly maxEntries = 200_000) {
    if (!(maxEntries >= 1)) throw new Error(`OriginCache needs room for at least one entry, got ${maxEntries}`)
  }

  get size(): number {
    return this.map.size
  }

  /** Looks up without making the entry the most recent. */
  peek(correlationId: string): Origin | undefined {
    return this.map.get(correlationId)
  }

  get(correlationId: string): Origin | undefined {
    const hit = this.map.get(correlationId)
    if (hit !== undefined) {
      this.map.delete(correlationId)
      this.map.set(correlationId, hit)
    }
    return hit
  }

  set(correlationId: string, origin: Origin): void {
    this.map.delete(correlationId)
    this.map.set(correlationId, origin)
    if (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value!)
  }
}
