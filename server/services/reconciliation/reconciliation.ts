import { z } from 'zod'
import type { Ctx } from '../../context/ctx'
import { reconTransactions, type ReconDayRow, type ReconWindow } from '../../clickhouse/queries/reconciliation'
import { ensureHours, hourAligned, listScanStart, reconSummaryByHours } from '../../clickhouse/queries/reconciliation-hours'
import { chTimeToIso, toChDateTime } from '../../domain/ch-time'
import { DomainError } from '../../domain/errors'
import { RECON_MAX_DAYS, type ReconKind } from '../../domain/reconciliation'
import { decodeCursor, encodeCursor } from '../paging/cursor'
import { txnStateParamsFor } from '../sla/book'

/**
 * The Reconciliation view of one plant: per plant-local day and flow, the source transactions and
 * quantities against ERP postings, and the transactions that differ (definitions in
 * server/clickhouse/queries/reconciliation.ts), paged newest first.
 */

export type ReconCtx = Pick<Ctx, 'db' | 'ch' | 'actor' | 'scope'>

export interface ReconInput {
  plant: string
  from: Date
  to: Date
  flows?: readonly string[]
  kinds?: readonly ReconKind[]
  cursor?: string | null
  limit?: number
  now?: Date
}

export interface ReconTransaction {
  correlationId: string
  originTime: string
  flow: string
  workOrder: string
  kinds: ReconKind[]
  sourceQty: number | null
  erpQty: number | null
  documents: string[]
  firstPostedAt: string | null
  delayMs: number | null
  slaMs: number
  /** Dead-lettered and not replayed since. */
  parked: boolean
}

export type ReconTotals = Omit<ReconDayRow, 'day' | 'flow'>

export interface ReconSummary {
  plant: string
  timeZone: string
  from: string
  to: string
  days: ReconDayRow[]
  totals: ReconTotals
}

const DAY = 86_400_000
const HOUR = 3_600_000
export const RECON_PAGE_MAX = 500
const cursorSchema = z.object({ t: z.string().max(40), c: z.string().max(256) })

async function windowOf(ctx: ReconCtx, input: ReconInput): Promise<ReconWindow> {
  // The edges resolved the scope (a named plant outside the caller's is refused there); an unknown
  // plant leaves it out of the scope and reads as "not found", like the plant page.
  if (!ctx.scope.includes(input.plant)) throw new DomainError('NOT_FOUND', `Plant ${input.plant} is not one of your plants.`)
  if (!(input.to.getTime() > input.from.getTime())) throw new DomainError('BAD_REQUEST', '`to` must be after `from`.')
  if (input.to.getTime() - input.from.getTime() > RECON_MAX_DAYS * DAY)
    throw new DomainError('BAD_REQUEST', `The reconciliation reads at most ${RECON_MAX_DAYS} days at once: narrow the time range.`)
  const now = input.now ?? new Date()
  const [plant, state] = await Promise.all([
    ctx.db.plant.findUnique({ where: { code: input.plant }, select: { timeZone: true } }),
    txnStateParamsFor(ctx.db, [input.plant], now),
  ])
  if (!plant) throw new DomainError('NOT_FOUND', `Plant ${input.plant} is not one of your plants.`)
  // Whole hours, for the list as for the summary (stored per hour): both count the same transactions.
  return { plant: input.plant, ...hourAligned(input.from, input.to), flows: input.flows, state, timeZone: plant.timeZone, actor: ctx.actor }
}

export async function reconciliationSummary(ctx: ReconCtx, input: ReconInput): Promise<ReconSummary> {
  const w = await windowOf(ctx, input)
  const days = await reconSummaryByHours(ctx.ch, w)
  const totals: ReconTotals = {
    transactions: 0,
    posted: 0,
    in_flight: 0,
    documents: 0,
    source_qty: 0,
    erp_qty: 0,
    never_posted: 0,
    posted_twice: 0,
    quantity_differs: 0,
    posted_late: 0,
  }
  for (const d of days) for (const k of Object.keys(totals) as (keyof ReconTotals)[]) totals[k] += Number(d[k])
  return { plant: w.plant, timeZone: w.timeZone, from: w.from.toISOString(), to: w.to.toISOString(), days, totals }
}

export async function reconciliationTransactions(
  ctx: ReconCtx,
  input: ReconInput,
): Promise<{ items: ReconTransaction[]; nextCursor: string | null }> {
  const w = await windowOf(ctx, input)
  const limit = Math.min(input.limit ?? 50, RECON_PAGE_MAX)
  const after = input.cursor ? decodeCursor(input.cursor, cursorSchema) : undefined
  // Only the newest hours that may fill the page are merged (stored hours say which), not the window.
  await ensureHours(ctx.ch, w)
  const cursorHour = after ? new Date(Math.floor(new Date(chTimeToIso(after.t)).getTime() / HOUR) * HOUR) : undefined
  const before = cursorHour ? new Date(Math.min(w.to.getTime(), cursorHour.getTime() + HOUR)) : undefined
  const scan = await listScanStart(ctx.ch, w, { limit, before, cursorHour })
  const rows = await reconTransactions(ctx.ch, { ...w, from: scan.from, kinds: input.kinds, limit, after: after && { originTime: after.t, correlationId: after.c } })
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  // A short page with older candidate hours left: continue before the scanned hours.
  const next = rows.length > limit && last ? encodeCursor({ t: last.origin_time, c: last.correlation_id }) : scan.older ? encodeCursor({ t: toChDateTime(scan.from), c: '' }) : null
  return {
    items: page.map((r) => ({
      correlationId: r.correlation_id,
      originTime: chTimeToIso(r.origin_time),
      flow: r.flow,
      workOrder: r.work_order,
      kinds: r.kinds,
      sourceQty: r.source_qty === null ? null : Number(r.source_qty),
      erpQty: r.erp_qty === null ? null : Number(r.erp_qty),
      documents: [...r.documents].sort(),
      firstPostedAt: r.first_posted_at === null ? null : chTimeToIso(r.first_posted_at),
      delayMs: r.delay_ms,
      slaMs: r.sla_ms,
      parked: Number(r.parked) === 1,
    })),
    nextCursor: next,
  }
}
