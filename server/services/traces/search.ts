import { z } from 'zod'
import type { Ctx } from '../../context/ctx'
import { txnsByKey, locateTxn, type KeyType } from '../../clickhouse/queries/trace'
import { searchTxns, type TxnSummaryRow } from '../../clickhouse/queries/txn'
import { parseSearch, type SearchKey } from '../../domain/trace-search'
import type { TxnState } from '../../domain/txn-state'
import { chTimeToIso } from '../../domain/ch-time'
import { decodeCursor, encodeCursor } from '../paging/cursor'
import { txnStateParamsFor } from '../sla/book'

/**
 * Trace search (issue 5): the search box resolved to transactions (business key → txn_keys, a
 * correlation id → one hop_events point read), then one page of merged txn_summary rows filtered by
 * plant scope, flow, line and state. Used by tRPC, REST and the CSV export alike.
 */

/** At most this many transactions are considered for one business key (latest first). */
export const KEY_MATCH_LIMIT = 1_000
export const MAX_PAGE = 500

export interface TraceSearchInput {
  q?: string | null
  flows?: readonly string[]
  states?: readonly TxnState[]
  lines?: readonly string[]
  from: Date
  to: Date
  cursor?: string | null
  limit?: number
}

export interface TxnItem {
  correlation_id: string
  origin_time: string
  plant: string
  line: string
  flow: string
  state: TxnState
  work_order: string
  material: string
  erp_documents: string[]
  /**
   * Source event to the first successful posting (for flows without one: to the last hop), once the
   * transaction is posted; null while it is open — an open transaction has no latency yet, only an age.
   */
  e2e_latency_ms: number | null
  /**
   * While not posted: now − source time (origin_time), the same age that decides "stuck"
   * (queries/txn-state.ts); null once posted. The time of the last hop seen says nothing of how long
   * the plant has waited.
   */
  age_ms: number | null
  sla_ms: number
  attempts: number
  events: number
  replayed: boolean
  last_event_type: string
  last_seen: string
}

export interface TraceSearchResult {
  key: SearchKey | null
  items: TxnItem[]
  nextCursor: string | null
  /** The key matched more transactions than KEY_MATCH_LIMIT: only the latest are listed. */
  keyMatchesCapped: boolean
}

const cursorSchema = z.object({ t: z.iso.datetime(), id: z.string().min(1).max(256) })

/** The keyset of a search page: the last row's origin time and correlation id. */
function cursorOf(row: { origin_time: string; correlation_id: string }): string {
  return encodeCursor({ t: chTimeToIso(row.origin_time), id: row.correlation_id })
}

function afterCursor(cursor: string): { originTime: Date; correlationId: string } {
  const key = decodeCursor(cursor, cursorSchema)
  return { originTime: new Date(key.t), correlationId: key.id }
}

const ms = (value: string) => new Date(chTimeToIso(value)).getTime()

/** `now`: the time the state was judged at (TxnStateParams.now), so age and "stuck" agree. */
export function toTxnItem(r: TxnSummaryRow, now: Date): TxnItem {
  const posted = r.state === 'posted'
  const end = r.first_posted_at ?? r.last_seen
  return {
    correlation_id: r.correlation_id,
    origin_time: chTimeToIso(r.origin_time),
    plant: r.plant,
    line: r.line,
    flow: r.flow,
    state: r.state,
    work_order: r.work_order,
    material: r.material,
    erp_documents: r.erp_documents,
    e2e_latency_ms: posted ? Math.max(0, ms(end) - ms(r.origin_time)) : null,
    age_ms: posted ? null : Math.max(0, now.getTime() - ms(r.origin_time)),
    sla_ms: Number(r.sla_ms),
    attempts: Number(r.max_attempt),
    events: Number(r.events),
    replayed: Number(r.replayed) === 1,
    last_event_type: r.last_event_type,
    last_seen: chTimeToIso(r.last_seen),
  }
}

/** What trace reads need of the context: both stores, the caller's plants and the query tag. */
export type TraceCtx = Pick<Ctx, 'db' | 'ch' | 'scope' | 'principal' | 'actor'>

export async function searchTraces(ctx: TraceCtx, input: TraceSearchInput): Promise<TraceSearchResult> {
  const { scope, actor } = ctx
  const key = parseSearch(input.q)
  const limit = Math.min(Math.max(input.limit ?? 50, 1), MAX_PAGE)
  const after = input.cursor ? afterCursor(input.cursor) : undefined
  const empty: TraceSearchResult = { key, items: [], nextCursor: null, keyMatchesCapped: false }
  if (scope.length === 0) return empty

  let from = input.from
  let to = input.to
  if (after && after.originTime.getTime() + 1 < to.getTime()) to = new Date(after.originTime.getTime() + 1)
  if (to <= from) return empty

  let ids: string[] | undefined
  let plants = [...scope]
  let keyMatchesCapped = false
  if (key?.types[0] === 'correlation_id') {
    const at = await locateTxn(ctx.ch, { correlationId: key.value, from, to, actor })
    if (!at || !scope.includes(at.plant)) return empty
    ids = [at.correlation_id]
    plants = [at.plant]
    from = new Date(chTimeToIso(at.origin_time))
    to = new Date(from.getTime() + 1)
  } else if (key) {
    const refs = await txnsByKey(ctx.ch, {
      keyType: key.types as KeyType[],
      keyValue: key.value,
      from,
      to,
      plants: scope,
      limit: KEY_MATCH_LIMIT,
      actor,
    })
    if (refs.length === 0) return empty
    keyMatchesCapped = refs.length >= KEY_MATCH_LIMIT
    ids = refs.map((r) => r.correlation_id)
    plants = [...new Set(refs.map((r) => r.plant))]
    // Narrow the summary read to the partitions the matches live in.
    const times = refs.map((r) => ms(r.origin_time))
    from = new Date(Math.min(...times))
    to = new Date(Math.max(...times) + 1)
  }

  const state = await txnStateParamsFor(ctx.db, plants)
  const rows = await searchTxns(ctx.ch, {
    plants,
    from,
    to,
    flows: input.flows,
    states: input.states,
    lines: input.lines,
    correlationIds: ids,
    after,
    limit: limit + 1,
    state,
    actor,
  })
  const page = rows.slice(0, limit)
  return {
    key,
    items: page.map((r) => toTxnItem(r, state.now)),
    nextCursor: rows.length > limit ? cursorOf(page[page.length - 1]!) : null,
    keyMatchesCapped,
  }
}
