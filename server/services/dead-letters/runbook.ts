import { z } from 'zod'
import type { Ctx } from '../../context/ctx'
import { canTransition } from '../../domain/dead-letter-states'
import { can } from '../../domain/permissions'
import { DomainError } from '../../domain/errors'
import { audit } from '../audit/audit'
import { listWhere, requireDeadLetter } from './queries'
import { setDeadLetterState } from './state'

/**
 * Runbook notes per exception group (issue 19): what people learnt about a root cause ("period
 * 2026/12 opened by finance around 09:30 on the 1st"), plain text, shown to everyone who sees the
 * group. Operators and admins write them; each note is audited (`runbook_note.create`, target
 * the group's fingerprint). A group is visible to a caller when one of its dead letters is in the
 * caller's plants; notes of a group the caller cannot see are NOT_FOUND, as the group is.
 *
 * "Mark fixed" on a dead letter records that its cause was fixed (audited, the record becomes
 * triaged): from then on its primary action is "Replay" (error-guidance.ts primaryAction).
 */

export const runbookNoteSchema = z.object({
  fingerprint: z.string().trim().min(1).max(128),
  body: z.string().trim().min(3, 'write the note (at least 3 characters)').max(4000, 'a note may be at most 4,000 characters'),
})
export const markFixedSchema = z.object({
  id: z.string().min(1).max(64),
  /** What was fixed ("period 2026/12 opened in MMPV"); kept in the audit row. */
  note: z.string().trim().max(2000).optional(),
})

export interface RunbookNoteView {
  id: string
  author: string
  body: string
  at: Date
}

type NotesCtx = Pick<Ctx, 'db' | 'principal'> & Partial<Pick<Ctx, 'clientAddress'>>

async function requireGroup({ db, principal }: NotesCtx, fingerprint: string): Promise<void> {
  const one = await db.deadLetter.findFirst({ where: listWhere(principal, { fingerprint }), select: { id: true } })
  if (!one) throw new DomainError('NOT_FOUND', `No exception group ${fingerprint} in your plants.`)
}

export async function listRunbookNotes(ctx: NotesCtx, input: { fingerprint: string }): Promise<RunbookNoteView[]> {
  await requireGroup(ctx, input.fingerprint)
  const rows = await ctx.db.runbookNote.findMany({ where: { fingerprint: input.fingerprint }, orderBy: { createdAt: 'asc' }, take: 200 })
  return rows.map((n) => ({ id: n.id, author: n.authorLabel, body: n.body, at: n.createdAt }))
}

export async function addRunbookNote(ctx: NotesCtx, input: z.input<typeof runbookNoteSchema>): Promise<RunbookNoteView> {
  const parsed = runbookNoteSchema.safeParse(input)
  if (!parsed.success) throw new DomainError('BAD_REQUEST', parsed.error.issues.map((i) => i.message).join('; '))
  const { fingerprint, body } = parsed.data
  if (!can(ctx.principal, 'triage')) throw new DomainError('FORBIDDEN', 'Runbook notes need the operator role.')
  await requireGroup(ctx, fingerprint)
  return ctx.db.$transaction(async (tx) => {
    const note = await tx.runbookNote.create({ data: { fingerprint, body, authorId: ctx.principal.userId, authorLabel: ctx.principal.label } })
    await audit(tx, {
      actor: ctx.principal,
      action: 'runbook_note.create',
      targetType: 'dead_letter_group',
      targetId: fingerprint,
      after: { noteId: note.id, body },
      ip: ctx.clientAddress ?? null,
    })
    return { id: note.id, author: note.authorLabel, body: note.body, at: note.createdAt }
  })
}

/** Whether someone marked the dead letter's cause fixed (an audited `dead_letter.mark_fixed`). */
export async function isMarkedFixed(db: Ctx['db'], id: string): Promise<boolean> {
  return (await db.auditLog.count({ where: { targetType: 'dead_letter', targetId: id, action: 'dead_letter.mark_fixed' } })) > 0
}

export async function markFixed(ctx: NotesCtx, input: z.input<typeof markFixedSchema>): Promise<{ id: string; status: string }> {
  const { id, note } = markFixedSchema.parse(input)
  const dl = await requireDeadLetter(ctx.db, ctx.principal, id)
  if (!can(ctx.principal, 'triage', dl.plantCode ?? undefined)) throw new DomainError('FORBIDDEN', 'Marking fixed needs the operator role in the dead letter’s plant.')
  if (!canTransition(dl.status, 'triage')) throw new DomainError('CONFLICT', `This dead letter is ${dl.status}: there is nothing left to fix.`)
  return ctx.db.$transaction(async (tx) => {
    const entry = { action: 'dead_letter.mark_fixed', reason: note || 'cause fixed', before: { status: dl.status }, after: { status: dl.status === 'new' ? 'triaged' : dl.status, fixed: true } }
    const { count, status } = await setDeadLetterState({ ...ctx, db: tx }, { id, event: 'triage', from: dl.status, audit: entry })
    if (!count) throw new DomainError('CONFLICT', 'Someone changed this dead letter meanwhile; reload and try again.')
    return { id, status }
  })
}
