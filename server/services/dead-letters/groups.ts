import { z } from 'zod'
import type { Ctx } from '../../context/ctx'
import type { Prisma } from '../../db/client'
import { guidanceFor, type ErrorGuidance } from '../../domain/error-guidance'
import { DomainError } from '../../domain/errors'
import { listFilterSchema, listWhere, type ListFilter } from './queries'
import { listRunbookNotes, type RunbookNoteView } from './runbook'

/**
 * One exception group as a support engineer reads it (issue 19, Sentry's issue page): where it
 * happens (facets by plant, flow, material, consumer group; first/last seen), what to do (the
 * guidance of its code), what people learnt (runbook notes) and what resolved it before (replays
 * and discards with their reasons).
 *
 * Facets count the group within the caller's plants and the list's other filters (time range,
 * status, …) but not the facet filters themselves, so every value stays visible while one is
 * picked (the records list applies the facet). The history covers the group's whole life in the
 * caller's plants: it is about what worked before, not about the time range.
 */

export const groupDetailSchema = listFilterSchema.extend({ fingerprint: z.string().trim().min(1).max(128) })

export interface FacetValue {
  /** null: the records carry no value (plant not decoded, no material key). */
  value: string | null
  count: number
}

export interface GroupHistory {
  /** Records produced by replay jobs, and what became of them. */
  replayed: { times: number; resolved: number; failedAgain: number; reasons: { reason: string; count: number }[] }
  discarded: { times: number; reasons: { reason: string; count: number }[] }
}

export interface GroupDetail {
  fingerprint: string
  /** In the time range and filters. */
  count: number
  open: number
  firstSeen: Date | null
  lastSeen: Date | null
  /** The newest record of the group in the caller's plants, whatever the range. */
  sample: { id: string; errorCode: string | null; errorCategory: string | null; errorClass: string | null; errorMessage: string | null; flow: string | null; lastSeen: Date }
  guidance: ErrorGuidance
  facets: { plant: FacetValue[]; flow: FacetValue[]; material: FacetValue[]; consumerGroup: FacetValue[] }
  history: GroupHistory
  notes: RunbookNoteView[]
}

/** Records read to count the material facet (a JSON key Prisma cannot group by). */
const MATERIAL_SCAN = 20_000
const TOP_REASONS = 5

function withoutFacets(f: ListFilter): ListFilter {
  const { plants: _p, flow: _f, material: _m, consumerGroup: _c, ...rest } = f
  return rest
}

function facetOf<K extends string>(rows: ({ _count: { _all: number } } & Record<K, string | null>)[], key: K): FacetValue[] {
  return rows.map((r) => ({ value: r[key], count: r._count._all })).sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)))
}

function topReasons(reasons: (string | null)[]): { reason: string; count: number }[] {
  const counts = new Map<string, number>()
  for (const r of reasons) if (r) counts.set(r, (counts.get(r) ?? 0) + 1)
  return [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count).slice(0, TOP_REASONS)
}

export async function groupDetail(ctx: Pick<Ctx, 'db' | 'principal'>, input: unknown): Promise<GroupDetail> {
  const filter = groupDetailSchema.parse(input ?? {})
  const { db, principal } = ctx
  const whole = listWhere(principal, { fingerprint: filter.fingerprint, plant: filter.plant })
  const sample = await db.deadLetter.findFirst({
    where: whole,
    orderBy: [{ recordTimestamp: 'desc' }, { id: 'desc' }],
    select: { id: true, errorCode: true, errorCategory: true, errorClass: true, errorMessage: true, flow: true, recordTimestamp: true },
  })
  if (!sample) throw new DomainError('NOT_FOUND', `No exception group ${filter.fingerprint} in your plants.`)
  const where = listWhere(principal, withoutFacets(filter))
  const by = (field: 'plantCode' | 'flow' | 'consumerGroup') => db.deadLetter.groupBy({ by: [field], where, _count: { _all: true } })
  const [range, open, plants, flows, groups, materials, history, notes] = await Promise.all([
    db.deadLetter.aggregate({ where, _count: { _all: true }, _min: { recordTimestamp: true }, _max: { recordTimestamp: true } }),
    db.deadLetter.count({ where: { AND: [where, { status: { notIn: ['resolved', 'discarded'] } }] } }),
    by('plantCode'),
    by('flow'),
    by('consumerGroup'),
    db.deadLetter.findMany({ where, select: { businessKeys: true }, take: MATERIAL_SCAN }),
    groupHistory(ctx, whole),
    listRunbookNotes(ctx, { fingerprint: filter.fingerprint }),
  ])
  const material = new Map<string | null, number>()
  for (const m of materials) {
    const v = (m.businessKeys as Record<string, unknown> | null)?.material
    const key = typeof v === 'string' ? v : null
    material.set(key, (material.get(key) ?? 0) + 1)
  }
  return {
    fingerprint: filter.fingerprint,
    count: range._count._all,
    open,
    firstSeen: range._min.recordTimestamp,
    lastSeen: range._max.recordTimestamp,
    sample: { id: sample.id, errorCode: sample.errorCode, errorCategory: sample.errorCategory, errorClass: sample.errorClass, errorMessage: sample.errorMessage, flow: sample.flow, lastSeen: sample.recordTimestamp },
    guidance: guidanceFor({ code: sample.errorCode, category: sample.errorCategory, text: sample.errorMessage, errorClass: sample.errorClass }),
    facets: {
      plant: facetOf(plants, 'plantCode'),
      flow: facetOf(flows, 'flow'),
      material: [...material].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value))),
      consumerGroup: facetOf(groups, 'consumerGroup'),
    },
    history,
    notes,
  }
}

/**
 * What resolved the group before: replayed records (by the replay jobs' reasons, and whether
 * telemetry then confirmed them or they failed again) and discarded records (by the discard
 * reasons in the audit log).
 */
async function groupHistory({ db }: Pick<Ctx, 'db'>, where: Prisma.DeadLetterWhereInput): Promise<GroupHistory> {
  const [produced, discarded] = await Promise.all([
    db.replayItem.findMany({
      where: { status: 'produced', deadLetter: where },
      select: { job: { select: { reason: true } }, deadLetter: { select: { status: true } } },
      take: 50_000,
    }),
    db.deadLetter.findMany({ where: { AND: [where, { status: 'discarded' }] }, select: { id: true }, take: 50_000 }),
  ])
  const reasons = discarded.length
    ? await db.auditLog.findMany({
        where: { targetType: 'dead_letter', action: 'dead_letter.discard', targetId: { in: discarded.map((d) => d.id) } },
        select: { reason: true },
      })
    : []
  return {
    replayed: {
      times: produced.length,
      resolved: produced.filter((p) => p.deadLetter.status === 'resolved').length,
      failedAgain: produced.filter((p) => p.deadLetter.status === 'failed_again').length,
      reasons: topReasons(produced.map((p) => p.job.reason)),
    },
    discarded: { times: discarded.length, reasons: topReasons(reasons.map((r) => r.reason)) },
  }
}
