import { z } from 'zod'
import type { PrismaClient } from '../../db/client'
import { canTransition, fromStates, transition, type DeadLetterEvent } from '../../domain/dead-letter-states'
import type { DeadLetterStatus } from '../../domain/dead-letters'
import { can, type Principal } from '../../domain/permissions'
import { audit } from '../audit'
import { DomainError } from '../errors'
import { requireDeadLetter } from './queries'

/**
 * Triage actions on one dead letter (DLQ-REPLAY.md "Guards"): assign, comment, discard. Operators
 * within their plants, admins everywhere, viewers never. Each is one transaction: a conditional
 * status update (`transition()` decides, the WHERE guards against a concurrent change) and its
 * audit row with who, when, why, before and after.
 */

export const assignSchema = z.object({
  id: z.string().min(1).max(64),
  /** A user id, or null to unassign. */
  assigneeId: z.string().min(1).max(64).nullable(),
  reason: z.string().trim().max(2000).optional(),
})
export const commentSchema = z.object({ id: z.string().min(1).max(64), body: z.string().trim().min(1, 'write a comment').max(10_000) })
export const discardSchema = z.object({
  id: z.string().min(1).max(64),
  reason: z.string({ error: 'a reason is required to discard' }).trim().min(3, 'say why it is discarded (at least 3 characters)').max(2000),
})

interface Ctx {
  prisma: PrismaClient
  principal: Principal
  ip?: string | null
}

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0]

async function authorised(ctx: Ctx, id: string) {
  const dl = await requireDeadLetter(ctx.prisma, ctx.principal, id)
  if (!can(ctx.principal, 'triage', dl.plantCode ?? undefined)) throw new DomainError('FORBIDDEN', 'Triage needs the operator role in the dead letter’s plant.')
  return dl
}

/** Moves the status by `event` unless someone else moved it first; returns the status before and after. */
async function apply(tx: Tx, id: string, current: DeadLetterStatus, event: DeadLetterEvent, data: Record<string, unknown> = {}): Promise<{ before: DeadLetterStatus; after: DeadLetterStatus }> {
  if (!canTransition(current, event)) throw new DomainError('CONFLICT', `This dead letter is ${current}: it cannot be changed that way now.`)
  const after = transition(current, event)
  const { count } = await tx.deadLetter.updateMany({ where: { id, status: current }, data: { ...data, status: after } })
  if (!count) {
    const now = await tx.deadLetter.findUnique({ where: { id }, select: { status: true } })
    if (!now || !fromStates(event).includes(now.status)) throw new DomainError('CONFLICT', `Someone changed this dead letter meanwhile (now ${now?.status ?? 'gone'}); reload and try again.`)
    return apply(tx, id, now.status, event, data)
  }
  return { before: current, after }
}

export async function assignDeadLetter(ctx: Ctx, input: z.input<typeof assignSchema>) {
  const { id, assigneeId, reason } = assignSchema.parse(input)
  const dl = await authorised(ctx, id)
  let label: string | null = null
  if (assigneeId) {
    const user = await ctx.prisma.user.findUnique({ where: { id: assigneeId }, select: { email: true, disabled: true } })
    if (!user || user.disabled) throw new DomainError('BAD_REQUEST', 'Pick an active user to assign it to.')
    label = user.email
  }
  return ctx.prisma.$transaction(async (tx) => {
    const status = await apply(tx, id, dl.status, 'triage', { assigneeId })
    await audit(tx, {
      actor: ctx.principal,
      action: assigneeId ? 'dead_letter.assign' : 'dead_letter.unassign',
      targetType: 'dead_letter',
      targetId: id,
      reason: reason || null,
      before: { status: status.before, assigneeId: dl.assigneeId },
      after: { status: status.after, assigneeId, assignee: label },
      ip: ctx.ip,
    })
    return { id, status: status.after, assigneeId }
  })
}

export async function commentDeadLetter(ctx: Ctx, input: z.input<typeof commentSchema>) {
  const { id, body } = commentSchema.parse(input)
  const dl = await authorised(ctx, id)
  return ctx.prisma.$transaction(async (tx) => {
    const status = await apply(tx, id, dl.status, 'triage')
    const comment = await tx.deadLetterComment.create({ data: { deadLetterId: id, authorId: ctx.principal.userId, authorLabel: ctx.principal.label, body } })
    await audit(tx, {
      actor: ctx.principal,
      action: 'dead_letter.comment',
      targetType: 'dead_letter',
      targetId: id,
      reason: body.slice(0, 2000),
      before: { status: status.before },
      after: { status: status.after, commentId: comment.id },
      ip: ctx.ip,
    })
    return { id, status: status.after, comment: { id: comment.id, author: comment.authorLabel, body: comment.body, at: comment.createdAt } }
  })
}

export async function discardDeadLetter(ctx: Ctx, input: z.input<typeof discardSchema>) {
  const parsed = discardSchema.safeParse(input)
  if (!parsed.success) throw new DomainError('BAD_REQUEST', parsed.error.issues.map((i) => i.message).join('; '))
  const { id, reason } = parsed.data
  const dl = await authorised(ctx, id)
  return ctx.prisma.$transaction(async (tx) => {
    const status = await apply(tx, id, dl.status, 'discard')
    await audit(tx, {
      actor: ctx.principal,
      action: 'dead_letter.discard',
      targetType: 'dead_letter',
      targetId: id,
      reason,
      before: { status: status.before },
      after: { status: status.after },
      ip: ctx.ip,
    })
    return { id, status: status.after }
  })
}

/** People a dead letter of these plants can be assigned to: active operators and admins with access. */
export async function assignees(prisma: PrismaClient, plants: readonly string[]) {
  const users = await prisma.user.findMany({
    where: { disabled: false, role: { in: ['operator', 'admin'] } },
    select: { id: true, email: true, name: true, role: true, plantScopes: { select: { plantCode: true } } },
    orderBy: { email: 'asc' },
  })
  return users
    .filter((u) => u.role === 'admin' || plants.every((p) => u.plantScopes.some((s) => s.plantCode === p)))
    .map((u) => ({ id: u.id, email: u.email, name: u.name }))
}
