import { hopPayload, otelResources, traceByCorrelationId } from '../../clickhouse/queries/trace'
import type { HopEventRow } from '../../clickhouse/tables/hop-events'
import { searchTxns } from '../../clickhouse/queries/txn'
import { canAccessPlant } from '../../domain/permissions'
import { DomainError } from '../../domain/errors'
import { RESOURCE_ID_ATTRIBUTE } from '../../domain/otlp-mapping'
import { txnStateParamsFor } from '../sla/book'
import { chTimeToIso } from '../../domain/ch-time'
import type { Ctx } from '../../context/ctx'
import { toTxnItem, type TraceCtx, type TxnItem } from './search'

/**
 * One transaction for the trace view and GET /api/v1/traces/{id}: every hop in occurred_at order,
 * each event once (re-sent copies collapsed), the merged summary for the header, and the dead
 * letters and replays that touched it. Plant scope is checked against the trace's own plant, so a
 * deep link into another plant is a clear FORBIDDEN rather than an empty page.
 */

/** Hops read for one trace; the view is virtualised and smooth well past the 2,000 the issue asks for. */
export const MAX_HOPS = 10_000
const RETENTION_MS = 90 * 24 * 3_600_000
/** A deep link's `t` is the origin time to the millisecond; allow for rounding by other tools. */
const LINK_SLACK_MS = 1_000

export interface HopView extends Omit<HopEventRow, 'occurred_at' | 'recorded_at' | 'origin_time' | 'ingested_at'> {
  occurred_at: string
  recorded_at: string
  origin_time: string
  ingested_at: string
  /**
   * Mapped from an OpenTelemetry span (ingest/otlp): the row came from the OTLP topic. The topic is
   * written by the ingest pipeline, not by a producer, so a native hop event cannot claim it.
   */
  otlp: boolean
}

export interface TraceDeadLetter {
  id: string
  status: string
  errorCode: string | null
  recordTimestamp: string
}

export interface TraceView {
  correlation_id: string
  origin_time: string
  plant: string
  flow: string
  summary: TxnItem | null
  hops: HopView[]
  truncated: boolean
  deadLetters: TraceDeadLetter[]
  /** replay item id (the hops' replay_id) → replay job id. */
  replayJobs: Record<string, string>
  /**
   * OpenTelemetry resource id (an OTLP hop's `attributes['otel.resource_id']`) → that resource's
   * attributes (service.name, service.instance.id, host.name, telemetry.sdk.* …), which are stored
   * once per resource instead of on every hop. An id whose resource is no longer stored (or not
   * yet) is absent; hops stored before resources were kept apart carry them inline and no id.
   */
  resources: Record<string, Record<string, string>>
}

export function traceWindow(t: string | null | undefined, now = new Date()): { from: Date; to: Date } {
  const at = t ? new Date(t) : null
  if (at && !Number.isNaN(at.getTime())) return { from: new Date(at.getTime() - LINK_SLACK_MS), to: new Date(at.getTime() + LINK_SLACK_MS) }
  return { from: new Date(now.getTime() - RETENTION_MS), to: new Date(now.getTime() + 24 * 3_600_000) }
}

function hopView(h: HopEventRow, otlpTopic: string): HopView {
  return {
    ...h,
    occurred_at: chTimeToIso(h.occurred_at),
    recorded_at: chTimeToIso(h.recorded_at),
    origin_time: chTimeToIso(h.origin_time),
    ingested_at: chTimeToIso(h.ingested_at),
    otlp: h.src_topic === otlpTopic,
  }
}

/**
 * Says the transaction is outside the caller's plants without naming its plant: which plants
 * exist and what they run is itself information a user outside them should not get (#18).
 */
function forbidden(correlationId: string): DomainError {
  return new DomainError('FORBIDDEN', `Transaction ${correlationId} is not in your plants. Ask an admin for access to the plant it belongs to.`)
}

export async function getTrace(
  ctx: TraceCtx & Pick<Ctx, 'config'>,
  q: { correlationId: string; t?: string | null },
): Promise<TraceView> {
  const { from, to } = traceWindow(q.t)
  const rows = await traceByCorrelationId(ctx.ch, { correlationId: q.correlationId, from, to, limit: MAX_HOPS + 1, actor: ctx.actor })
  if (rows.length === 0)
    throw new DomainError(
      'NOT_FOUND',
      q.t
        ? `No transaction ${q.correlationId} started at ${q.t}. The link may be wrong, or its events are past the 90-day retention.`
        : `No transaction ${q.correlationId} in the last 90 days.`,
    )
  const first = rows[0]!
  if (!canAccessPlant(ctx.principal, first.plant)) throw forbidden(q.correlationId)
  const hops = rows.slice(0, MAX_HOPS).map((h) => hopView(h, ctx.config.env.OTLP_TOPIC))
  const origin = new Date(hops[0]!.origin_time)

  const state = await txnStateParamsFor(ctx.db, [first.plant])
  // Only hops from the OTLP topic: a native hop's attributes are the producer's, and naming a
  // resource id there must not pull in another service's resource.
  const resourceIds = [...new Set(hops.flatMap((h) => (h.otlp && h.attributes[RESOURCE_ID_ATTRIBUTE] ? [h.attributes[RESOURCE_ID_ATTRIBUTE]] : [])))]
  const [summaries, deadLetters, replayItems, resources] = await Promise.all([
    searchTxns(ctx.ch, {
      plants: [first.plant],
      from: origin,
      to: new Date(origin.getTime() + 1),
      correlationIds: [q.correlationId],
      limit: 1,
      state,
      actor: ctx.actor,
    }),
    ctx.db.deadLetter.findMany({
      where: { correlationId: q.correlationId },
      select: { id: true, status: true, errorCode: true, recordTimestamp: true },
      orderBy: { recordTimestamp: 'asc' },
      take: 100,
    }),
    (() => {
      const ids = [...new Set(hops.map((h) => h.replay_id).filter(Boolean))]
      return ids.length ? ctx.db.replayItem.findMany({ where: { id: { in: ids } }, select: { id: true, jobId: true } }) : Promise.resolve([])
    })(),
    otelResources(ctx.ch, { ids: resourceIds, actor: ctx.actor }),
  ])
  return {
    correlation_id: q.correlationId,
    origin_time: hops[0]!.origin_time,
    plant: first.plant,
    flow: first.flow,
    summary: summaries[0] ? toTxnItem(summaries[0], state.now) : null,
    hops,
    truncated: rows.length > MAX_HOPS,
    deadLetters: deadLetters.map((d) => ({ ...d, recordTimestamp: d.recordTimestamp.toISOString() })),
    replayJobs: Object.fromEntries(replayItems.map((r) => [r.id, r.jobId])),
    resources: Object.fromEntries(resources),
  }
}

export interface HopPayloadView {
  eventId: string
  contentType: string
  /** Pretty-printed when it is JSON; shown as text, never as HTML. */
  text: string
  available: boolean
}

export async function getHopPayload(
  ctx: TraceCtx,
  q: { correlationId: string; eventId: string; t: string },
): Promise<HopPayloadView> {
  const { from, to } = traceWindow(q.t)
  const row = await hopPayload(ctx.ch, { correlationId: q.correlationId, eventId: q.eventId, from, to, actor: ctx.actor })
  if (!row) throw new DomainError('NOT_FOUND', `No hop ${q.eventId} in transaction ${q.correlationId}.`)
  if (!canAccessPlant(ctx.principal, row.plant)) throw forbidden(q.correlationId)
  if (!row.payload) return { eventId: q.eventId, contentType: row.content_type || 'application/json', text: '', available: false }
  let text = row.payload
  try {
    text = JSON.stringify(JSON.parse(row.payload), null, 2)
  } catch {
    // Not JSON (or truncated): show it as it came.
  }
  return { eventId: q.eventId, contentType: row.content_type, text, available: true }
}
