import { otlpHopsByService } from '../../clickhouse/queries/otlp'
import type { Ctx } from '../../context/ctx'
import { fromChDateTime } from '../../domain/ch-time'
import { DomainError } from '../../domain/errors'
import { can } from '../../domain/permissions'
import { Prisma } from '../../db/client'

/**
 * The admin's per-service view of OpenTelemetry ingest (issue #20 item 4), from durable data only,
 * so a console in another process than the worker shows the same:
 * - hops mapped from spans: hop_events rows read from OTLP_TOPIC, per `service.name` (ClickHouse);
 * - unmapped spans: the dead letters of OTLP_TOPIC (Postgres, written by the DLQ indexer), each the
 *   span as JSON with reason `otlp_<reason>`; the service is read from the span's resource.
 * Ignored spans (database calls, HTTP servers, batch polls) are neither: they are only counted in
 * the worker's metric `linetrace_otlp_spans_ignored_total{service}`, and the view says so rather
 * than show a per-process number as if it were the install's.
 */

/** Services listed at most (the busiest installs have tens). */
const MAX_SERVICES = 500
const HOUR_MS = 3_600_000

export interface UnmappedReasonCount {
  /** The mapper's reason (`no_plant`, `schema`), or the decoder's for a request that did not decode. */
  reason: string
  count24h: number
}

export interface OtlpServiceStats {
  /** `service.name`; '' where none could be read (requests that did not decode; spans Postgres cannot read as JSON). */
  service: string
  hops1h: number
  hops24h: number
  errorHops24h: number
  lastHopAt: Date | null
  unmapped1h: number
  unmapped24h: number
  unmappedByReason: UnmappedReasonCount[]
  /** The newest unmapped span: why, and when it was dead-lettered. */
  lastError: { reason: string; message: string; at: Date; deadLetterId: string } | null
}

export interface OtlpServicesView {
  services: OtlpServiceStats[]
  /** The windows' start: now − 1 h, now − 24 h. */
  hourFrom: Date
  dayFrom: Date
  /** Where exporters send spans, for the empty state: the console's path and the worker's port (0: off). */
  endpoint: { consolePath: string; consoleUrl: string; port: number }
}

interface UnmappedRow {
  service: string
  error_class: string
  n24h: number
  n1h: number
}
interface LastErrorRow {
  service: string
  id: string
  error_class: string
  message: string | null
  record_timestamp: Date
}

const REASON_PREFIX = 'linetrace:otlp_'
const reasonOf = (errorClass: string) => (errorClass.startsWith(REASON_PREFIX) ? errorClass.slice(REASON_PREFIX.length) : errorClass)

/**
 * The dead letter's message as a sentence: the indexer stores `<reason>: <the errors as JSON>`
 * (ingest/dlq/decoders/hub.ts), the mapper's own sentence first. Kept as stored if it is not that.
 */
export function unmappedMessage(stored: string): string {
  const json = /^\w+: (\[.*\])$/s.exec(stored)?.[1]
  if (!json) return stored
  try {
    const errors = JSON.parse(json) as { path?: unknown; message?: unknown }[]
    return errors.map((e) => (e.path ? `${String(e.path)}: ${String(e.message)}` : String(e.message))).join('; ')
  } catch {
    return stored
  }
}

/**
 * Unmapped spans of OTLP_TOPIC since `dayFrom`, per service and reason, and each service's newest.
 * The service is read from the span JSON only where Postgres can read it as jsonb: it starts with
 * `{`, was not cut to fit the DLQ record, and holds no `\u0000` or `\ud…` escape (a NUL or a lone
 * surrogate in some attribute, which jsonb refuses). Anything else (a request that did not decode is
 * dead-lettered whole, as protobuf) counts under service ''. CASE keeps the cast off those values:
 * one odd span must not fail the whole view.
 */
async function unmappedByService(db: Ctx['db'], topic: string, hourFrom: Date, dayFrom: Date): Promise<{ counts: UnmappedRow[]; last: LastErrorRow[] }> {
  const recent = Prisma.sql`
    SELECT id, record_timestamp, error_class, error_message,
           coalesce(CASE WHEN substring(value from 1 for 1) = decode('7b', 'hex')
                          AND NOT (headers @> '[{"key": "x-lt-dlq-value-truncated"}]'::jsonb)
                          AND position(decode('5c7530303030', 'hex') in value) = 0
                          AND position(decode('5c7564', 'hex') in value) = 0
                         THEN convert_from(value, 'UTF8')::jsonb #>> '{resource,service.name}' END, '') AS service
    FROM dead_letters
    WHERE source_topic = ${topic} AND record_timestamp >= ${dayFrom} AND error_class LIKE 'linetrace:otlp\\_%'`
  const [counts, last] = await Promise.all([
    db.$queryRaw<UnmappedRow[]>`
      SELECT service, error_class, count(*)::int AS n24h, (count(*) FILTER (WHERE record_timestamp >= ${hourFrom}))::int AS n1h
      FROM (${recent}) r GROUP BY service, error_class ORDER BY service, n24h DESC LIMIT ${MAX_SERVICES * 8}`,
    db.$queryRaw<LastErrorRow[]>`
      SELECT DISTINCT ON (service) service, id, error_class, error_message AS message, record_timestamp
      FROM (${recent}) r ORDER BY service, record_timestamp DESC LIMIT ${MAX_SERVICES}`,
  ])
  return { counts, last }
}

export async function otlpServices(ctx: Pick<Ctx, 'db' | 'ch' | 'config' | 'principal' | 'actor'>, { now = new Date() }: { now?: Date } = {}): Promise<OtlpServicesView> {
  if (!can(ctx.principal, 'administer')) throw new DomainError('FORBIDDEN', `The OpenTelemetry services view needs the admin role; you are ${ctx.principal.role}.`)
  const topic = ctx.config.env.OTLP_TOPIC
  const hourFrom = new Date(now.getTime() - HOUR_MS)
  const dayFrom = new Date(now.getTime() - 24 * HOUR_MS)
  const [hops, unmapped] = await Promise.all([
    otlpHopsByService(ctx.ch, { topic, hourAgo: hourFrom, dayAgo: dayFrom, limit: MAX_SERVICES, actor: ctx.actor }),
    unmappedByService(ctx.db, topic, hourFrom, dayFrom),
  ])

  const byService = new Map<string, OtlpServiceStats>()
  const of = (service: string) => {
    let s = byService.get(service)
    if (!s) {
      s = { service, hops1h: 0, hops24h: 0, errorHops24h: 0, lastHopAt: null, unmapped1h: 0, unmapped24h: 0, unmappedByReason: [], lastError: null }
      byService.set(service, s)
    }
    return s
  }
  for (const h of hops) Object.assign(of(h.service), { hops1h: h.hops1h, hops24h: h.hops24h, errorHops24h: h.errorHops24h, lastHopAt: fromChDateTime(h.lastIngestedAt) })
  for (const u of unmapped.counts) {
    const s = of(u.service)
    s.unmapped1h += Number(u.n1h)
    s.unmapped24h += Number(u.n24h)
    s.unmappedByReason.push({ reason: reasonOf(u.error_class), count24h: Number(u.n24h) })
  }
  for (const l of unmapped.last)
    of(l.service).lastError = { reason: reasonOf(l.error_class), message: unmappedMessage(l.message ?? ''), at: l.record_timestamp, deadLetterId: l.id }

  const services = [...byService.values()].sort((a, b) => (a.service === '' ? 1 : b.service === '' ? -1 : a.service.localeCompare(b.service)))
  const consolePath = '/api/otlp/v1/traces'
  return {
    services: services.slice(0, MAX_SERVICES),
    hourFrom,
    dayFrom,
    endpoint: { consolePath, consoleUrl: `${ctx.config.publicUrl}${consolePath}`, port: ctx.config.env.OTLP_HTTP_PORT },
  }
}
