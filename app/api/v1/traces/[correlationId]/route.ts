import { z } from 'zod'
import { restHandler } from '@/server/rest/handler'
import { getTrace } from '@/server/services/traces/trace'

export const dynamic = 'force-dynamic'

const query = z.object({ t: z.string().optional() })

/**
 * GET /api/v1/traces/{correlationId}[?t=<origin_time>]: the transaction's hops in occurred_at
 * order, re-sent duplicates collapsed, with its state and business keys. `t` (from a search result)
 * lets the read prune to one partition; without it the last 90 days are searched. Each hop has
 * `otlp` = true when it was mapped from an OpenTelemetry span (then `span_id`, `parent_span_id`,
 * `latency_ms` = the span's duration and `attributes` = the span's, with `otel.resource_id` naming
 * its resource). `resources` maps each such id to the resource's attributes (service.name,
 * service.instance.id, host.name …), stored once per resource; an id missing there is no longer
 * stored. 403 when the transaction belongs to a plant outside the token's plants.
 */
export const GET = restHandler({ role: 'viewer', query }, async (ctx, { query: { t }, params }) =>
  getTrace(ctx, { correlationId: params.correlationId ?? '', t }),
)
