import { sleep } from '../../server/retry'
import { chQuery } from '../../server/clickhouse/exec'
import { fromChDateTime } from '../../server/domain/ch-time'
import type { Ctx } from '../../server/context/ctx'
import { POSTING_FLOWS } from '../../server/domain/txn-state'
import { metrics } from '../../server/metrics'
import { fromStates } from '../../server/domain/dead-letter-states'
import { setDeadLetterState } from '../../server/services/dead-letters/state'
import { idempotencyKeyOf } from '../../server/services/replays/dead-letter-facts'

/**
 * Closes the loop (DLQ-REPLAY.md "Close the loop"): a dead letter in `replayed` becomes `resolved`
 * when telemetry shows its transaction posted because of, or after, the replay:
 * - the replay's own posting: `erp.posting_succeeded` carrying `replay_id` = the item (middleware
 *   that propagates x-replay-id, like the simulator's hub): exact, no clock involved;
 * - else, posting flows: `erp.posting_succeeded` with the dead letter's idempotency key (for a
 *   partial posting that is the re-posted movement's own key, `<key>:cogi:<material>`, so the
 *   confirmation's earlier posting never counts), or any posting of the transaction when either
 *   side has no key (a tapped topic's acknowledgements carry none), stamped at or after the produce
 *   time (another system's clock: hence the exact match first);
 * - other flows (holds, releases): a hop of the replay itself (`replay_id` = the item) reported ok
 *   by a target system.
 * `resolvedAt` is the posting's time (never before the produce), so MTTR (resolvedAt −
 * recordTimestamp) measures the business outcome, not this loop's polling.
 * A dead letter of a posting flow that is not being replayed here (`new`, `triaged`,
 * `failed_again`) is resolved the same way by a posting with its idempotency key (any posting of
 * the transaction when it has none) stamped after it was dead-lettered: another tool replayed it
 * (the simulator's operators do, as support teams with their middleware's own tools), or its
 * source re-sent it. Nothing is left to do, and the replay guard would refuse it as posted.
 * One ClickHouse query per batch of dead letters, bounded by their origin times. ("Failed again" is
 * the indexer's: a new dead letter of a replayed transaction moves the old one to failed_again.)
 */

export interface ResolveResult {
  checked: number
  resolved: number
  /** Where the next round continues (null: from the start): every replayed dead letter gets its turn. */
  next: string | null
}

const DAY = 86_400_000
const BATCH = 500
/** Resolutions per transaction. */
const COMMIT = 50
const FIRST_WAIT_MS = 10_000
const MAX_WAIT_MS = 5 * 60_000

/**
 * How often a dead letter not replayed here is looked for in telemetry: at once, then 10 s, 20 s,
 * 40 s… up to 5 min apart while nothing posts it (one replayed here: every round). Its posting may
 * come hours later, if ever, and every id costs the hop_events read a granule per part (during a
 * first start's older history a round's read took 3–31 s). resolvedAt is the posting's time, so
 * waiting costs no accuracy, only how soon the status shows it.
 */
export class CheckBackoff {
  private readonly next = new Map<string, { at: number; waitMs: number }>()

  due(id: string, now: number): boolean {
    return (this.next.get(id)?.at ?? 0) <= now
  }

  missed(id: string, now: number): void {
    // Records closed elsewhere (discarded, replayed from the console) are never forgotten one by one.
    if (this.next.size > 100_000) this.next.clear()
    const waitMs = Math.min(MAX_WAIT_MS, (this.next.get(id)?.waitMs ?? FIRST_WAIT_MS / 2) * 2)
    this.next.set(id, { at: now + waitMs, waitMs })
  }

  forget(id: string): void {
    this.next.delete(id)
  }
}

/** Not being replayed here: a posting after the dead letter closes it (see above); the state machine says which. */
const OPEN_NOT_REPLAYING = fromStates('resolve_posted')

/**
 * One round over the replayed and open dead letters after `after` (with `backoff`, the open ones
 * that are due); `ctx` is the `worker:replay-resolver` context (its principal audits).
 */
export async function resolveReplayed(ctx: Pick<Ctx, 'db' | 'ch' | 'principal' | 'actor'>, after: string | null = null, backoff?: CheckBackoff): Promise<ResolveResult> {
  const { db: prisma, ch: clickhouse } = ctx
  const rows = await prisma.deadLetter.findMany({
    where: {
      correlationId: { not: null },
      OR: [{ status: 'replayed' }, { status: { in: [...OPEN_NOT_REPLAYING] }, flow: { in: [...POSTING_FLOWS] } }],
      ...(after ? { id: { gt: after } } : {}),
    },
    select: {
      id: true,
      status: true,
      correlationId: true,
      originTime: true,
      recordTimestamp: true,
      flow: true,
      value: true,
      headers: true,
      replayItems: { where: { status: 'produced' }, orderBy: { producedAt: 'desc' }, take: 1, select: { id: true, producedAt: true } },
    },
    orderBy: { id: 'asc' },
    take: BATCH,
  })
  const next = rows.length === BATCH ? rows.at(-1)!.id : null
  // `since`: the replay's produce, or the dead-lettering of a record not replayed here.
  const now = Date.now()
  const subjects = rows.flatMap((r) => {
    if (backoff && r.status !== 'replayed' && !backoff.due(r.id, now)) return []
    const key = idempotencyKeyOf(r)
    if (r.status !== 'replayed') return [{ ...r, key, since: r.recordTimestamp, replayId: undefined as string | undefined }]
    const item = r.replayItems[0]
    return item?.producedAt ? [{ ...r, key, since: item.producedAt, replayId: item.id }] : []
  })
  if (!subjects.length) return { checked: 0, resolved: 0, next }
  const replayIds = subjects.flatMap((s) => (s.replayId ? [s.replayId] : []))

  const lo = Math.min(...subjects.map((s) => (s.originTime ?? new Date(s.recordTimestamp.getTime() - 7 * DAY)).getTime()))
  const hi = Math.max(...subjects.map((s) => (s.originTime ?? s.recordTimestamp).getTime())) + 1
  const since = Math.min(...subjects.map((s) => s.since.getTime()))
  const { rows: hits } = await chQuery<{ correlation_id: string; idempotency_key: string; event_type: string; replay_id: string; first_at: string; last_at: string }>(clickhouse, {
    name: 'replays.resolve',
    sql: `SELECT correlation_id, idempotency_key, event_type, replay_id, min(occurred_at) AS first_at, max(occurred_at) AS last_at
            FROM ${clickhouse.database}.hop_events
           WHERE correlation_id IN {cids:Array(String)}
             AND origin_time >= {lo:DateTime64(3, 'UTC')} AND origin_time < {hi:DateTime64(3, 'UTC')}
             AND (occurred_at >= {since:DateTime64(3, 'UTC')} OR replay_id IN {replayIds:Array(String)})
             AND (event_type = 'erp.posting_succeeded' OR (replay_id IN {replayIds:Array(String)} AND status = 'ok' AND hop NOT IN ('console', 'hub')))
           GROUP BY correlation_id, idempotency_key, event_type, replay_id`,
    params: {
      cids: [...new Set(subjects.map((s) => s.correlationId!))],
      replayIds,
      lo: new Date(lo),
      hi: new Date(hi),
      since: new Date(since),
    },
    actor: ctx.actor,
  })

  const resolved: { id: string; status: (typeof subjects)[number]['status']; at: Date; evidence: string }[] = []
  for (const s of subjects) {
    const after = s.since.getTime()
    const posting = !s.flow || (POSTING_FLOWS as readonly string[]).includes(s.flow)
    const own = hits.filter((h) => h.correlation_id === s.correlationId)
    const ours = (h: (typeof hits)[number]) => s.replayId !== undefined && h.replay_id === s.replayId
    const match = posting
      ? (own.find((h) => h.event_type === 'erp.posting_succeeded' && ours(h)) ??
        own.find((h) => h.event_type === 'erp.posting_succeeded' && (s.key === undefined || !h.idempotency_key || h.idempotency_key === s.key) && fromChDateTime(h.last_at).getTime() >= after))
      : own.find(ours)
    if (!match) {
      if (s.status !== 'replayed') backoff?.missed(s.id, now)
      continue
    }
    backoff?.forget(s.id)
    const first = fromChDateTime(match.first_at)
    const at = new Date(Math.max(after, first.getTime() >= after || ours(match) ? first.getTime() : fromChDateTime(match.last_at).getTime()))
    resolved.push({ id: s.id, status: s.status, at, evidence: `${match.event_type} at ${at.toISOString()}${match.replay_id ? ` (replay ${match.replay_id})` : ''}` })
  }
  // One commit per COMMIT resolutions, not per resolution: a first start resolves hundreds a round.
  for (let i = 0; i < resolved.length; i += COMMIT) {
    let moved = 0
    await prisma.$transaction(async (tx) => {
      for (const r of resolved.slice(i, i + COMMIT)) {
        const replayedHere = r.status === 'replayed'
        const { count } = await setDeadLetterState(
          { ...ctx, db: tx },
          {
            id: r.id,
            event: replayedHere ? 'resolve' : 'resolve_posted',
            from: r.status,
            data: { resolvedAt: r.at },
            audit: {
              action: 'dead_letter.resolve',
              reason: replayedHere
                ? `Telemetry confirmed the posting after the replay: ${r.evidence}`
                : `Telemetry shows the posting after it was dead-lettered, with no replay from Linetrace (replayed by another tool, or re-sent by its source): ${r.evidence}`,
              before: { status: r.status },
              after: { status: 'resolved', resolvedAt: r.at },
            },
          },
        )
        moved += count
      }
    })
    metrics().replayResolved.inc(moved)
  }
  return { checked: subjects.length, resolved: resolved.length, next }
}

/** Runs resolveReplayed every `intervalMs` (default 5 s) until stopped. */
export function startResolver(ctx: Ctx, intervalMs = 5_000): { stop(): Promise<void> } {
  const abort = new AbortController()
  const log = ctx.logger.child({ component: 'replay-resolver' })
  const backoff = new CheckBackoff()
  const loop = (async () => {
    let cursor: string | null = null
    while (!abort.signal.aborted) {
      try {
        const result = await resolveReplayed(ctx, cursor, backoff)
        cursor = result.next
        if (result.resolved) log.info({ checked: result.checked, resolved: result.resolved }, 'replayed dead letters resolved by telemetry')
      } catch (error) {
        log.warn({ err: error }, 'could not check replayed dead letters against telemetry; trying again')
      }
      await sleep(intervalMs, abort.signal)
    }
  })()
  return {
    async stop() {
      abort.abort()
      await loop
    },
  }
}
