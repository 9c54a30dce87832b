import { lastHeaderText } from '../../server/bus/headers'
import type { BusRecord } from '../../server/bus/port'
import { hubMessageSchema, type HubMessage } from '../../server/domain/flow-messages'
import { Trail, type Replay } from '../hop'
import { parseTraceparent, traceId } from '../ids'
import type { SystemKey } from '../model'
import { Rng } from '../prng'
import type { HubInFlight } from '../state'
import { emitAt, type HubCore, type Route, type Txn } from './core'
import { deadLetter } from './dead-letter'
import { businessOf, targetOf } from './mapping'
import { post } from './posting'
import { validationError } from './sap-errors'

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined)

/**
 * A record from a plant's source topic at simulated time `t`: reported as received, validated
 * (an invalid one is dead-lettered), transformed, and handed on by message type — postings to
 * ERP (posting.ts), quality holds fanned out to MES, WMS and ERP, releases downloaded to MES.
 */
export function receive(hub: HubCore, route: Route, record: BusRecord, t: number, replay: Replay | undefined): void {
  const { tx, msg, problems, raw, parsed, text } = openTxn(hub, route, record, t, replay)
  const { rng } = tx
  const sentAt = Date.parse(str(raw.sent_at) ?? '')
  let at = t + rng.int(2, 30)
  emitAt(hub, tx, {
    type: 'integration.message_received',
    hop: 'hub',
    system: 'hub',
    status: 'ok',
    at,
    latencyMs: replay || !Number.isFinite(sentAt) ? at - t : Math.max(0, at - sentAt),
    attributes: { source_topic: record.topic, source_partition: String(record.partition), source_offset: record.offset, message_type: str(raw.message_type) ?? 'unknown' },
    payload: problems.length && raw !== parsed ? text.slice(0, 4096) : raw,
  })
  at += rng.int(1, 8)
  if (!msg) {
    hub.stats.invalid++
    const error = validationError(problems)
    tx.firstFailedAt = at
    emitAt(hub, tx, { type: 'integration.validation_failed', hop: 'hub', system: 'hub', status: 'error', at, error, latencyMs: 2 })
    deadLetter(hub, tx, at + rng.int(2, 20), error, 'validation')
    return
  }
  emitAt(hub, tx, { type: 'integration.validated', hop: 'hub', system: 'hub', status: 'ok', at, latencyMs: rng.int(1, 6) })
  at += rng.int(2, 25)
  emitAt(hub, tx, { type: 'integration.transformed', hop: 'hub', system: 'hub', status: 'ok', at, latencyMs: rng.int(1, 15), attributes: { target: targetOf(msg) } })

  switch (msg.message_type) {
    case 'ProductionConfirmation':
    case 'GoodsMovement':
      hub.inFlight.add(tx)
      post(hub, tx, at + rng.int(5, 40))
      return
    case 'QualityHold':
      fanOutHold(hub, tx, at, Number.isFinite(sentAt) ? sentAt : t)
      return
    case 'WorkOrderRelease': {
      const done = at + rng.int(500, 5_000)
      emitAt(hub, tx, {
        type: 'plan.work_order_status_changed',
        hop: 'mes',
        system: 'mes',
        status: 'ok',
        at: done,
        latencyMs: done - at,
        attributes: { status: 'REL', previous_status: 'CRTD', downloaded_to: 'MES' },
      })
      return
    }
  }
}

/** Parses and validates the record and opens its transaction: the hub's trail continues the plant's trace. */
function openTxn(hub: HubCore, route: Route, record: BusRecord, t: number, replay: Replay | undefined, resumed?: HubInFlight) {
  const { plant, topics } = route
  const text = record.value?.toString('utf8') ?? ''
  let parsed: unknown
  let problems: string[] = []
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    problems = [`the value is not JSON (${(error as Error).message})`]
  }
  let msg: HubMessage | undefined
  if (problems.length === 0) {
    const result = hubMessageSchema.safeParse(parsed)
    if (result.success) msg = result.data
    else problems = result.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`)
  }
  const raw: Record<string, unknown> = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {}

  const coordinates = `${record.topic}/${record.partition}/${record.offset}`
  const correlationId = str(raw.correlation_id) ?? lastHeaderText(record.headers, 'correlation_id') ?? record.key?.toString('utf8') ?? coordinates
  const idempotencyKey = str(raw.idempotency_key) ?? lastHeaderText(record.headers, 'idempotency_key')
  const messageId = str(raw.message_id)
  // A resumed posting draws afresh: its next hops must not repeat the event ids of the previous run's.
  const rng = Rng.of(hub.deps.seed, 'hub', messageId ?? coordinates, replay?.replay_id ?? '', idempotencyKey ?? '', ...(resumed ? ['resumed', String(t)] : []))
  const tp = parseTraceparent(lastHeaderText(record.headers, 'traceparent') ?? lastHeaderText(record.headers, 'x-original-traceparent'))
  const origin = Date.parse(str(raw.origin_time) ?? '')
  const trail = new Trail(
    {
      plant,
      flow: str(raw.flow) ?? lastHeaderText(record.headers, 'x-flow') ?? 'unknown',
      correlationId: correlationId.slice(0, 128),
      originTime: Number.isFinite(origin) ? origin : t,
      idempotencyKey,
      traceId: tp?.traceId ?? traceId(rng),
      line: plant.lines.find((l) => l.id === raw.line),
      business: businessOf(raw),
      replay,
    },
    rng,
    resumed?.trail ? { eventId: resumed.trail.lastEventId, spanId: resumed.trail.lastSpanId } : { eventId: messageId, spanId: tp?.spanId },
  )
  const tx: Txn = { record, plant, topics, msg, trail, rng, attempt: 0, unknownOutcome: false, waitToken: 0, replay }
  return { tx, msg, problems, raw, parsed, text }
}

/**
 * A posting the previous run had received and not settled (state.ts): it carries on at `t` with
 * its next attempt, as a middleware with durable retries does after a restart. The ERP behind it
 * restarted too: whatever locked or blocked the posting then is gone.
 */
export function resumePosting(hub: HubCore, route: Route, record: BusRecord, t: number, replay: Replay | undefined, state: HubInFlight): void {
  const { tx, msg } = openTxn(hub, route, record, t, replay, state)
  if (msg?.message_type !== 'ProductionConfirmation' && msg?.message_type !== 'GoodsMovement') return
  Object.assign(tx, { attempt: state.attempt, unknownOutcome: state.unknownOutcome, firstFailedAt: state.firstFailedAt, lastError: state.lastError })
  hub.inFlight.add(tx)
  post(hub, tx, t + tx.rng.int(5, 40))
}

function fanOutHold(hub: HubCore, tx: Txn, t: number, placedAt: number): void {
  const { rng } = tx
  const from = { eventId: tx.trail.lastEventId, spanId: tx.trail.lastSpanId }
  // MES is usually fast but sometimes minutes late: that gap is where hold leakage happens.
  const delays: [SystemKey, number][] = [
    ['mes', rng.chance(0.15) ? rng.uniform(120_000, 480_000) : rng.uniform(2_000, 30_000)],
    ['wms', rng.uniform(5_000, 180_000)],
    ['erp', rng.uniform(20_000, 360_000)],
  ]
  for (const [system, delay] of delays) {
    const at = t + delay
    emitAt(hub, 
      tx,
      {
        type: 'quality.hold_applied',
        hop: system,
        system,
        status: 'ok',
        at,
        latencyMs: at - placedAt,
        business: system === 'erp' ? { erp_document: hub.deps.erp.allocateDocument() } : undefined,
        attributes: { applied_in: system, ...(system === 'erp' ? { stock_type: 'blocked', movement_type: '350' } : {}) },
      },
      from,
    )
  }
}
