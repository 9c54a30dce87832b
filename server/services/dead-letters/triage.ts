import { z } from 'zod'
import type { Ctx } from '../../context/ctx'
import type { Prisma, PrismaClient } from '../../db/client'
import { canTransition, fromStates, transition, type DeadLetterEvent } from '../../domain/dead-letter-states'
import type { DeadLetterStatus } from '../../domain/dead-letters'
import { can } from '../../domain/permissions'
import { audit } from '../audit/audit'
import { setDeadLetterState, type StateChange } from './state'
import { DomainError } from '../../domain/errors'
import { listFilterSchema, listWhere, requireDeadLetter } from './queries'

/**
 * Triage actions on one dead letter (DLQ-REPLAY.md "Guards"): assign, comment, discard; and assign
 * or discard for every open record of a group ("Triage happens per group", `triageMatching`).
 * Operators within their plants, admins everywhere, viewers never. Each is one transaction: a
 * conditional status update (`transition()` decides, the WHERE guards against a concurrent change)
 * and its audit row with who, when, why, before and after.
 */

export const assignSchema = z.object({
  id: z.string().min(1).max(64),
  /** A user id, or null to unassign. */
  assigneeId: z.string().min(1).max(64).nullable(),
  reason: z.string().trim().max(2000).optional(),
})
export const commentSchema = z.object({ id: z.string().min(1).max(64), body: z.string().trim().min(1, 'write a comment').max(10_000) })
const discardReason = z.string({ error: 'a reason is required to discard' }).trim().min(3, 'say why it is discarded (at least 3 characters)').max(2000)
export const discardSchema = z.object({ id: z.string().min(1).max(64), reason: discardReason })

/** Most records one group action changes; past it the caller narrows the filter (one transaction each). */
export const MAX_GROUP_TRIAGE = 5_000
export const triageMatchingSchema = z.object({
  /** The exceptions filter, narrowed to one group (its fingerprint): never "everything". */
  filter: listFilterSchema.refine((f) => !!f.fingerprint, 'a group action needs the group (fingerprint) in the filter'),
  action: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('assign'), assigneeId: z.string().min(1).max(64).nullable() }),
    z.object({ kind: z.literal('discard'), reason: discardReason }),
  ]),
})

/** What triage needs of the context; `clientAddress` goes into each audit row. */
type TriageCtx = Pick<Ctx, 'db' | 'principal'> & Partial<Pick<Ctx, 'clientAddress'>>

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0]

async function authorised(ctx: TriageCtx, id: string) {
  const dl = await requireDeadLetter(ctx.db, ctx.principal, id)
  if (!can(ctx.principal, 'triage', dl.plantCode ?? undefined)) throw new DomainError('FORBIDDEN', 'Triage needs the operator role in the dead letter’s plant.')
  return dl
}

type Moved = { before: DeadLetterStatus; after: DeadLetterStatus }

/**
 * Moves the status by `event` with its audit row (`entry` of the move) unless someone else moved it
 * first; then re-reads and tries from the new state. Returns the status before and after.
 */
async function apply(
  ctx: TriageCtx,
  tx: Tx,
  change: { id: string; current: DeadLetterStatus; event: DeadLetterEvent; data?: Prisma.DeadLetterUncheckedUpdateManyInput; entry: (moved: Moved) => NonNullable<StateChange['audit']> },
): Promise<Moved> {
  const { id, current, event } = change
  if (!canTransition(current, event)) throw new DomainError('CONFLICT', `This dead letter is ${current}: it cannot be changed that way now.`)
  const moved = { before: current, after: transition(current, event) }
  const { count } = await setDeadLetterState({ ...ctx, db: tx }, { id, event, from: current, data: change.data, audit: change.entry(moved) })
  if (!count) {
    const now = await tx.deadLetter.findUnique({ where: { id }, select: { status: true } })
    if (!now || !fromStates(event).includes(now.status)) throw new DomainError('CONFLICT', `Someone changed this dead letter meanwhile (now ${now?.status ?? 'gone'}); reload and try again.`)
    return apply(ctx, tx, { ...change, current: now.status })
  }
  return moved
}

/**
 * The assignee's e-mail (null: unassign). Only someone who could work the dead letters may get
 * them: an active operator or admin whose plants include each one's plant (a record without a
 * decoded plant: admins only, as for reading it). Otherwise the assignee could not even open it.
 */
async function assigneeLabel(prisma: Pick<PrismaClient, 'user'>, assigneeId: string | null, plants: readonly (string | null)[]): Promise<string | null> {
  if (!assigneeId) return null
  const user = await prisma.user.findUnique({ where: { id: assigneeId }, select: { email: true, disabled: true, role: true, plantScopes: { select: { plantCode: true } } } })
  if (!user || user.disabled) throw new DomainError('BAD_REQUEST', 'Pick an active user to assign it to.')
  if (user.role !== 'operator' && user.role !== 'admin')
    throw new DomainError('BAD_REQUEST', `${user.email} is a ${user.role}: dead letters are assigned to operators or admins, who can triage and replay them.`)
  if (user.role === 'admin') return user.email
  const theirs = new Set(user.plantScopes.map((s) => s.plantCode))
  if (plants.includes(null)) throw new DomainError('BAD_REQUEST', `${user.email} cannot take dead letters without a known plant: only admins see those; assign them to an admin.`)
  const outside = [...new Set(plants)].filter((p) => p !== null && !theirs.has(p))
  if (outside.length)
    throw new DomainError('BAD_REQUEST', `${user.email} cannot take dead letters of plant ${outside.join(', ')}: assign them to an operator or admin of ${outside.length > 1 ? 'those plants' : 'that plant'}.`)
  return user.email
}

export async function assignDeadLetter(ctx: TriageCtx, input: z.input<typeof assignSchema>) {
  const { id, assigneeId, reason } = assignSchema.parse(input)
  const dl = await authorised(ctx, id)
  const label = await assigneeLabel(ctx.db, assigneeId, [dl.plantCode])
  return ctx.db.$transaction(async (tx) => {
    const status = await apply(ctx, tx, {
      id,
      current: dl.status,
      event: 'triage',
      data: { assigneeId },
      entry: (moved) => ({
        action: assigneeId ? 'dead_letter.assign' : 'dead_letter.unassign',
        reason: reason || null,
        before: { status: moved.before, assigneeId: dl.assigneeId },
        after: { status: moved.after, assigneeId, assignee: label },
      }),
    })
    return { id, status: status.after, assigneeId }
  })
}

export async function commentDeadLetter(ctx: TriageCtx, input: z.input<typeof commentSchema>) {
  const { id, body } = commentSchema.parse(input)
  const dl = await authorised(ctx, id)
  return ctx.db.$transaction(async (tx) => {
    // The comment first: its id goes into the audit row of the status move (one transaction).
    const comment = await tx.deadLetterComment.create({ data: { deadLetterId: id, authorId: ctx.principal.userId, authorLabel: ctx.principal.label, body } })
    const status = await apply(ctx, tx, {
      id,
      current: dl.status,
      event: 'triage',
      entry: (moved) => ({ action: 'dead_letter.comment', reason: body.slice(0, 2000), before: { status: moved.before }, after: { status: moved.after, commentId: comment.id } }),
    })
    return { id, status: status.after, comment: { id: comment.id, author: comment.authorLabel, body: comment.body, at: comment.createdAt } }
  })
}

export async function discardDeadLetter(ctx: TriageCtx, input: z.input<typeof discardSchema>) {
  const parsed = discardSchema.safeParse(input)
  if (!parsed.success) throw new DomainError('BAD_REQUEST', parsed.error.issues.map((i) => i.message).join('; '))
  const { id, reason } = parsed.data
  const dl = await authorised(ctx, id)
  return ctx.db.$transaction(async (tx) => {
    const status = await apply(ctx, tx, {
      id,
      current: dl.status,
      event: 'discard',
      entry: (moved) => ({ action: 'dead_letter.discard', reason, before: { status: moved.before }, after: { status: moved.after } }),
    })
    return { id, status: status.after }
  })
}

/**
 * Assign or discard every record the filter selects (a group: its fingerprint) that the action can
 * still move, in the caller's plants where they may triage. One transaction: each record gets the
 * same conditional update and audit row as the single action, and the group one summary row.
 * Records someone else moved meanwhile are skipped and counted, not overwritten.
 */
export async function triageMatching(ctx: TriageCtx, input: z.input<typeof triageMatchingSchema>): Promise<{ changed: number; skipped: number }> {
  const parsed = triageMatchingSchema.safeParse(input)
  if (!parsed.success) throw new DomainError('BAD_REQUEST', parsed.error.issues.map((i) => i.message).join('; '))
  const { filter, action } = parsed.data
  if (!can(ctx.principal, 'triage')) throw new DomainError('FORBIDDEN', 'Triage needs the operator role.')
  // As for one record (requireDeadLetter): a record without a decoded plant is for admins only.
  const mayTriage = (plant: string | null) => (plant === null ? ctx.principal.plants === 'all' : can(ctx.principal, 'triage', plant))
  const event: DeadLetterEvent = action.kind === 'assign' ? 'triage' : 'discard'
  const where = {
    AND: [
      listWhere(ctx.principal, filter),
      { status: { in: [...fromStates(event)] } },
      // Assigning to whom it is already assigned to changes nothing: leave those out of the trail.
      // (Spelled with OR: SQL's NOT (assignee = x) is not true for the unassigned.)
      ...(action.kind === 'assign'
        ? [action.assigneeId ? { OR: [{ assigneeId: null }, { assigneeId: { not: action.assigneeId } }] } : { assigneeId: { not: null } }]
        : []),
    ],
  }
  return ctx.db.$transaction(async (tx) => {
    // One read of the selection: one row past the bound says it is too many.
    const rows = await tx.deadLetter.findMany({ where, select: { id: true, status: true, plantCode: true, assigneeId: true }, take: MAX_GROUP_TRIAGE + 1 })
    if (rows.length > MAX_GROUP_TRIAGE)
      throw new DomainError('BAD_REQUEST', `More than ${MAX_GROUP_TRIAGE.toLocaleString('en-US')} dead letters match; narrow the filter (at most that many at once).`)
    // The assignee must be able to take every record the caller may move (else none moves).
    const label = action.kind === 'assign' ? await assigneeLabel(tx, action.assigneeId, rows.filter((r) => mayTriage(r.plantCode)).map((r) => r.plantCode)) : null
    let changed = 0
    for (const dl of rows) {
      if (!mayTriage(dl.plantCode)) continue
      const after = transition(dl.status, event)
      const { count } = await setDeadLetterState(
        { ...ctx, db: tx },
        {
          id: dl.id,
          event,
          from: dl.status,
          data: action.kind === 'assign' ? { assigneeId: action.assigneeId } : {},
          audit: {
            action: action.kind === 'discard' ? 'dead_letter.discard' : action.assigneeId ? 'dead_letter.assign' : 'dead_letter.unassign',
            reason: action.kind === 'discard' ? action.reason : null,
            before: action.kind === 'assign' ? { status: dl.status, assigneeId: dl.assigneeId } : { status: dl.status },
            after: action.kind === 'assign' ? { status: after, assigneeId: action.assigneeId, assignee: label, group: filter.fingerprint } : { status: after, group: filter.fingerprint },
          },
        },
      )
      if (count) changed++
    }
    // Outside the caller's triage plants, or moved by someone else meanwhile.
    const skipped = rows.length - changed
    await audit(tx, {
      actor: ctx.principal,
      action: `dead_letter.group_${action.kind}`,
      targetType: 'dead_letter_group',
      targetId: filter.fingerprint,
      reason: action.kind === 'discard' ? action.reason : null,
      after: { filter, changed, skipped, ...(action.kind === 'assign' ? { assigneeId: action.assigneeId, assignee: label } : {}) },
      ip: ctx.clientAddress,
    })
    return { changed, skipped }
  })
}

/** People a dead letter of these plants can be assigned to: active operators and admins with access. */
export async function assignees({ db, scope: plants }: Pick<Ctx, 'db' | 'scope'>) {
  const users = await db.user.findMany({
    where: { disabled: false, role: { in: ['operator', 'admin'] } },
    select: { id: true, email: true, name: true, role: true, plantScopes: { select: { plantCode: true } } },
    orderBy: { email: 'asc' },
  })
  return users
    .filter((u) => u.role === 'admin' || plants.every((p) => u.plantScopes.some((s) => s.plantCode === p)))
    .map((u) => ({ id: u.id, email: u.email, name: u.name }))
}
