import type { Ctx } from '../../context/ctx'
import { namedPlants, recordScope } from '../../context/scope'
import type { PrismaClient } from '../../db/client'
import { headerDisplay, isDlqHeader, storedHeadersSchema, type DeadLetterStatus } from '../../domain/dead-letters'
import { canAccessPlant, type Principal } from '../../domain/permissions'
import { pageArgs, pageOf } from '../paging/cursor'
import { replayFilterSchema, type ReplayFilter } from '../../domain/replays'
import { deadLetterWhere } from './where'
import { DomainError } from '../../domain/errors'
import { toView, VIEW_SELECT, type DeadLetterView } from './views'

/**
 * Reading dead letters for triage (DLQ-REPLAY.md, UI.md "issues grouped by fingerprint"): groups,
 * a page of records, one record's detail. The filter is the exceptions filter plus the plant facet
 * (`replayFilterSchema`), translated by `deadLetterWhere`, so "replay everything matching" replays
 * exactly what these lists show. Plant scope: the plants the filter names (each must be the
 * caller's), else all of the caller's.
 */

export const listFilterSchema = replayFilterSchema
export type ListFilter = ReplayFilter
/** The filter's list fields, comma-separated in a query string (`status=new,triaged`). */
export const DEAD_LETTER_LIST_KEYS = ['flow', 'category', 'errorCode', 'status', 'plants'] as const

const MAX_GROUPS = 200

export interface DeadLetterGroup {
  fingerprint: string
  count: number
  open: number
  plants: string[]
  firstSeen: Date
  lastSeen: Date
  category: string | null
  errorCode: string | null
  errorClass: string | null
  flow: string | null
  sourceTopic: string | null
  sampleMessage: string | null
  sampleId: string
  statuses: Partial<Record<DeadLetterStatus, number>>
  expiresSoon: number
}

/** The rows a list filter selects within the caller's plants (lists, group triage). */
export function listWhere(principal: Principal, filter: ListFilter) {
  return deadLetterWhere(filter, recordScope(principal, namedPlants(filter)))
}

export async function listGroups({ db, principal }: Pick<Ctx, 'db' | 'principal'>, input: unknown): Promise<{ groups: DeadLetterGroup[]; total: number; truncated: boolean }> {
  const filter = listFilterSchema.parse(input ?? {})
  const where = listWhere(principal, filter)
  const parts = await db.deadLetter.groupBy({
    by: ['fingerprint', 'plantCode', 'status'],
    where,
    _count: { _all: true },
    _min: { recordTimestamp: true },
    _max: { recordTimestamp: true },
  })
  const byFp = new Map<string, Omit<DeadLetterGroup, 'category' | 'errorCode' | 'errorClass' | 'flow' | 'sourceTopic' | 'sampleMessage' | 'sampleId' | 'expiresSoon'>>()
  for (const p of parts) {
    const g = byFp.get(p.fingerprint) ?? { fingerprint: p.fingerprint, count: 0, open: 0, plants: [], firstSeen: p._min.recordTimestamp!, lastSeen: p._max.recordTimestamp!, statuses: {} }
    g.count += p._count._all
    if (p.status !== 'resolved' && p.status !== 'discarded') g.open += p._count._all
    if (p.plantCode && !g.plants.includes(p.plantCode)) g.plants.push(p.plantCode)
    if (p._min.recordTimestamp! < g.firstSeen) g.firstSeen = p._min.recordTimestamp!
    if (p._max.recordTimestamp! > g.lastSeen) g.lastSeen = p._max.recordTimestamp!
    g.statuses[p.status] = (g.statuses[p.status] ?? 0) + p._count._all
    byFp.set(p.fingerprint, g)
  }
  // Most open first (what needs people), then the most recent.
  const sorted = [...byFp.values()].sort((a, b) => b.open - a.open || b.lastSeen.getTime() - a.lastSeen.getTime())
  const top = sorted.slice(0, MAX_GROUPS)
  const fps = top.map((g) => g.fingerprint)
  const samples = fps.length
    ? await db.deadLetter.findMany({
        where: { AND: [where, { fingerprint: { in: fps } }] },
        distinct: ['fingerprint'],
        orderBy: [{ fingerprint: 'asc' }, { recordTimestamp: 'desc' }],
        select: { id: true, fingerprint: true, errorCategory: true, errorCode: true, errorClass: true, flow: true, sourceTopic: true, errorMessage: true },
      })
    : []
  const expiring = fps.length
    ? await db.deadLetter.groupBy({
        by: ['fingerprint'],
        where: { AND: [where, { fingerprint: { in: fps } }, { status: { notIn: ['resolved', 'discarded'] } }, { expiresAt: { not: null } }] },
        _min: { expiresAt: true },
      })
    : []
  const groups = top.map((g) => {
    const s = samples.find((x) => x.fingerprint === g.fingerprint)
    const exp = expiring.find((e) => e.fingerprint === g.fingerprint)?._min.expiresAt
    return {
      ...g,
      plants: g.plants.sort(),
      category: s?.errorCategory ?? null,
      errorCode: s?.errorCode ?? null,
      errorClass: s?.errorClass ?? null,
      flow: s?.flow ?? null,
      sourceTopic: s?.sourceTopic ?? null,
      sampleMessage: s?.errorMessage ?? null,
      sampleId: s?.id ?? '',
      // Groups whose oldest open record expires within a day: replay or export them first.
      expiresSoon: exp && exp.getTime() - Date.now() < 86_400_000 ? 1 : 0,
    }
  })
  return { groups, total: byFp.size, truncated: byFp.size > MAX_GROUPS }
}

export const pageSchema = { limit: 100, max: 500 }

export async function listRecords(
  { db, principal }: Pick<Ctx, 'db' | 'principal'>,
  { filter: input, ...page }: { filter?: unknown; limit?: number; cursor?: string | null },
): Promise<{ items: DeadLetterView[]; total: number; nextCursor: string | null }> {
  const filter = listFilterSchema.parse(input ?? {})
  const where = listWhere(principal, filter)
  const limit = Math.min(Math.max(page.limit ?? pageSchema.limit, 1), pageSchema.max)
  const [rows, total] = await Promise.all([
    db.deadLetter.findMany({
      where,
      select: VIEW_SELECT,
      orderBy: [{ recordTimestamp: 'desc' }, { id: 'desc' }],
      ...pageArgs(limit, page.cursor),
    }),
    db.deadLetter.count({ where }),
  ])
  const now = Date.now()
  const { page: items, nextCursor } = pageOf(rows, limit)
  return { items: items.map((r) => toView(r, now)), total, nextCursor }
}

/** The record if it exists and is in the caller's plants (a record without a decoded plant: admins only). */
export async function requireDeadLetter(db: Pick<PrismaClient, 'deadLetter'>, principal: Principal, id: string) {
  const dl = await db.deadLetter.findUnique({ where: { id } })
  const visible = dl && (principal.plants === 'all' || (dl.plantCode !== null && canAccessPlant(principal, dl.plantCode)))
  if (!dl || !visible) throw new DomainError('NOT_FOUND', `No dead letter ${id} in your plants.`)
  return dl
}

export interface DeadLetterDetail extends DeadLetterView {
  key: string | null
  keyBase64: string | null
  payload: string | null
  payloadBytes: number
  /** The payload shown is the first PAYLOAD_SHOWN bytes of a larger value. */
  payloadTruncated: boolean
  /** `value`: base64 of the bytes; `shown`: the value decoded for people (null: binary, show the bytes). */
  headers: { key: string; value: string; text: string | null; dlq: boolean; shown: string | null; shownAs: string | null }[]
  stackTrace: string | null
  comments: { id: string; author: string; body: string; at: Date }[]
  audit: { id: string; at: Date; actor: string; action: string; reason: string | null; before: unknown; after: unknown }[]
  previous: { id: string; status: DeadLetterStatus; deadLetteredAt: Date } | null
  next: { id: string; status: DeadLetterStatus; deadLetteredAt: Date }[]
  replays: { itemId: string; jobId: string; status: string; producedAt: Date | null; error: string | null }[]
  /** Someone marked its cause fixed (runbook.ts markFixed): the primary action becomes "Replay". */
  markedFixed: boolean
}

/** The payload a page shows: the first 1 MiB; the whole value is a download (deadLetterValue). */
export const PAYLOAD_SHOWN = 1024 * 1024

/** One dead letter's value bytes, whole, in the caller's plants (null: the record has no value). */
export async function deadLetterValue({ db, principal }: Pick<Ctx, 'db' | 'principal'>, { id }: { id: string }): Promise<Uint8Array | null> {
  const dl = await requireDeadLetter(db, principal, id)
  return dl.value
}

export async function getDeadLetter({ db, principal }: Pick<Ctx, 'db' | 'principal'>, { id }: { id: string }): Promise<DeadLetterDetail> {
  const dl = await requireDeadLetter(db, principal, id)
  const [comments, audit, previous, next, replays] = await Promise.all([
    db.deadLetterComment.findMany({ where: { deadLetterId: id }, orderBy: { createdAt: 'asc' } }),
    db.auditLog.findMany({ where: { targetType: 'dead_letter', targetId: id }, orderBy: { at: 'asc' }, take: 200 }),
    dl.previousId ? db.deadLetter.findUnique({ where: { id: dl.previousId }, select: { id: true, status: true, recordTimestamp: true } }) : null,
    db.deadLetter.findMany({ where: { previousId: id }, select: { id: true, status: true, recordTimestamp: true }, orderBy: { recordTimestamp: 'asc' } }),
    db.replayItem.findMany({ where: { deadLetterId: id }, select: { id: true, jobId: true, status: true, producedAt: true, error: true }, orderBy: { createdAt: 'asc' }, take: 50 }),
  ])
  const headers = storedHeadersSchema.safeParse(dl.headers)
  const value = dl.value ? Buffer.from(dl.value) : null
  return {
    ...toView(dl),
    key: dl.key ? Buffer.from(dl.key).toString('utf8') : null,
    keyBase64: dl.key ? Buffer.from(dl.key).toString('base64') : null,
    // Text for people (rendered as text, never HTML); a huge payload is cut for the page.
    payload: value ? value.subarray(0, PAYLOAD_SHOWN).toString('utf8') : null,
    payloadBytes: value?.length ?? 0,
    payloadTruncated: (value?.length ?? 0) > PAYLOAD_SHOWN,
    headers: (headers.success ? headers.data : []).map((h) => {
      const shown = headerDisplay(h.key, Buffer.from(h.value, 'base64'), h.text ?? null)
      return { key: h.key, value: h.value, text: h.text ?? null, dlq: isDlqHeader(h.key), shown: shown?.shown ?? null, shownAs: shown?.as ?? null }
    }),
    stackTrace: dl.stackTrace,
    comments: comments.map((c) => ({ id: c.id, author: c.authorLabel, body: c.body, at: c.createdAt })),
    audit: audit.map((a) => ({ id: String(a.id), at: a.at, actor: a.actorLabel, action: a.action, reason: a.reason, before: a.before, after: a.after })),
    previous: previous ? { id: previous.id, status: previous.status, deadLetteredAt: previous.recordTimestamp } : null,
    next: next.map((n) => ({ id: n.id, status: n.status, deadLetteredAt: n.recordTimestamp })),
    replays: replays.map((r) => ({ itemId: r.id, jobId: r.jobId, status: r.status, producedAt: r.producedAt, error: r.error })),
    markedFixed: audit.some((a) => a.action === 'dead_letter.mark_fixed'),
  }
}
