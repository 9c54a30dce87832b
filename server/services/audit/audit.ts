import type { PrismaClient } from '../../db/client'
import type { Principal } from '../../domain/permissions'
import { diffChanges, type FieldChange } from '../../domain/changes'
import { logger } from '../../logger'
import { pageArgs, pageOf } from '../paging/cursor'

export interface AuditEntry {
  actor: Pick<Principal, 'userId' | 'label'> | { userId: null; label: string }
  action: string
  targetType: string
  targetId?: string | null
  reason?: string | null
  before?: unknown
  after?: unknown
  ip?: string | null
}

type AuditWriter = Pick<PrismaClient, 'auditLog'>

/** What a service that audits needs of its context (`Ctx`): the store and who acts. */
export interface AuditCtx {
  db: PrismaClient
  principal: AuditEntry['actor']
}

/** JSON columns take plain JSON only: dates become strings, bigints become strings. */
function toJson(value: unknown) {
  if (value === undefined || value === null) return undefined
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as object
}

/** Appends to the audit log. Pass a transaction client to make the entry part of the change it records. */
export async function audit(db: AuditWriter, entry: AuditEntry): Promise<void> {
  await db.auditLog.create({
    data: {
      actorId: entry.actor.userId,
      actorLabel: entry.actor.label,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId ?? null,
      reason: entry.reason ?? null,
      before: toJson(entry.before),
      after: toJson(entry.after),
      ip: entry.ip ?? null,
    },
  })
  logger.info({ audit: { action: entry.action, actor: entry.actor.label, target: `${entry.targetType}:${entry.targetId ?? ''}` } }, 'audit')
}

/**
 * Who or what an entry is about, as people know it: a user's email and name, a token's name and
 * owner. Looked up now, so a target deleted since keeps only its id (and what the entry stored).
 */
async function targetLabels(db: PrismaClient, rows: { targetType: string; targetId: string | null }[]): Promise<Map<string, string>> {
  const ids = (type: string) => [...new Set(rows.filter((r) => r.targetType === type && r.targetId).map((r) => r.targetId!))]
  const [users, tokens] = await Promise.all([
    db.user.findMany({ where: { id: { in: ids('user') } }, select: { id: true, email: true, name: true } }),
    db.apiToken.findMany({ where: { id: { in: ids('api_token') } }, select: { id: true, name: true, user: { select: { email: true } } } }),
  ])
  return new Map([
    ...users.map((u) => [`user:${u.id}`, `${u.name} <${u.email}>`] as const),
    ...tokens.map((t) => [`api_token:${t.id}`, `${t.name} (of ${t.user.email})`] as const),
  ])
}

export interface AuditListEntry {
  id: string
  at: Date
  actorId: string | null
  actorLabel: string
  action: string
  targetType: string
  targetId: string | null
  /** The target as people know it (email and name for a user), null when only the id is known. */
  targetLabel: string | null
  reason: string | null
  before: unknown
  after: unknown
  /** The fields that differ between before and after (see server/domain/changes.ts). */
  changes: FieldChange[]
  ip: string | null
}

/** The audit log, newest first, a page at a time, each entry with its change spelled out. */
export async function listAuditLog({ db }: Pick<AuditCtx, 'db'>, { limit, cursor }: { limit: number; cursor?: string }): Promise<{ items: AuditListEntry[]; nextCursor?: string }> {
  const rows = await db.auditLog.findMany({ orderBy: { id: 'desc' }, ...pageArgs(limit, cursor ? BigInt(cursor) : undefined) })
  const { page, nextCursor } = pageOf(rows, limit)
  const labels = await targetLabels(db, page)
  return {
    items: page.map((r) => ({
      ...r,
      id: r.id.toString(),
      targetLabel: labels.get(`${r.targetType}:${r.targetId}`) ?? null,
      changes: diffChanges(r.before, r.after),
    })),
    nextCursor: nextCursor ?? undefined,
  }
}
