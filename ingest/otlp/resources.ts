import { createHash } from 'node:crypto'
import type { ClickHouse } from '../../server/clickhouse/client'
import { chInsert } from '../../server/clickhouse/exec'
import { attributeText, boundedAttributes } from './attributes'
import type { Attributes } from './span'

/**
 * Span resources stored once (ClickHouse migration 0013, `otel_resources`) instead of on every hop.
 * A hop names its span's resource by the attribute `otel.resource_id`: a hash of the resource's
 * attributes, so every process and every retry gives one resource the same id without asking
 * anyone, and a resource that changes (a new version deployed) is a new resource.
 */

/** A row of otel_resources as written. */
interface ResourceRow {
  resource_id: string
  service: string
  attributes: Record<string, string>
  seen_at: string
}

interface Resource {
  id: string
  service: string
  /** Within the bounds of a hop's attributes (boundedAttributes), which the resource's were before. */
  attributes: Record<string, string>
}

/**
 * The decoder shares one attributes object among the spans of a resource (decode.ts), so the id is
 * computed once per resource and request, not per span.
 */
const ids = new WeakMap<Attributes, Resource | null>()

/** The span's resource and its id; null for a span without resource attributes. */
export function resourceOf(attributes: Attributes): Resource | null {
  let resource = ids.get(attributes)
  if (resource === undefined) {
    const kept = boundedAttributes([attributes])
    const keys = Object.keys(kept).sort()
    resource =
      keys.length === 0
        ? null
        : {
            // 64 bits of SHA-256 over the sorted pairs: a collision among even a million resources has odds of about 1 in 37 million.
            id: createHash('sha256').update(JSON.stringify(keys.map((k) => [k, kept[k]]))).digest('hex').slice(0, 16),
            service: attributeText(attributes['service.name']) ?? '',
            attributes: kept,
          }
    ids.set(attributes, resource)
  }
  return resource
}

/** A resource is written again when its last write is older than this: the table's TTL runs from seen_at. */
const REWRITE_MS = 24 * 3_600_000
/** Ids remembered as written; past this many (a churn of short-lived pods) the memory starts over, which only costs rewrites. */
const MAX_REMEMBERED = 50_000

/**
 * The resources the records read since the last `take()` need stored. A resource is written by every
 * delivery that reads it until a write of it succeeded (two deliveries of different partitions may
 * both write one: the table collapses them), so no delivery commits before the resources its hops
 * name are stored.
 */
export class ResourceWrites {
  private readonly written = new Map<string, number>()
  private pending = new Map<string, Resource>()

  constructor(private readonly now: () => number = Date.now) {}

  /** A mapped span's resource. */
  note(resource: Resource | null): void {
    if (!resource || this.pending.has(resource.id)) return
    const at = this.written.get(resource.id)
    if (at === undefined || this.now() - at >= REWRITE_MS) this.pending.set(resource.id, resource)
  }

  /** The write of what was noted since the last call, or undefined when nothing is due. */
  take(): ((ch: ClickHouse) => Promise<void>) | undefined {
    if (this.pending.size === 0) return undefined
    const resources = [...this.pending.values()]
    this.pending = new Map()
    return async (ch) => {
      const seenAt = this.now()
      const seenAtText = new Date(seenAt).toISOString()
      const rows: ResourceRow[] = resources.map((r) => ({ resource_id: r.id, service: r.service, attributes: r.attributes, seen_at: seenAtText }))
      await chInsert(ch, { table: 'otel_resources', rows })
      if (this.written.size + rows.length > MAX_REMEMBERED) this.written.clear()
      for (const r of resources) this.written.set(r.id, seenAt)
    }
  }
}
