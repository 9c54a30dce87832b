import type { PrismaClient } from '../../db/client'
import type { Principal } from '../../domain/permissions'
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

/** The audit log, newest first, a page at a time. */
export async function listAuditLog({ db }: Pick<AuditCtx, 'db'>, { limit, cursor }: { limit: number; cursor?: string }) {
  const rows = await db.auditLog.findMany({ orderBy: { id: 'desc' }, ...pageArgs(limit, cursor ? BigInt(cursor) : undefined) })
  const { page, nextCursor } = pageOf(rows, limit)
  return { items: page.map((r) => ({ ...r, id: r.id.toString() })), nextCursor: nextCursor ?? undefined }
}
