import type { Ctx } from '../../context/ctx'
import { checkNamedPlants } from '../../context/scope'
import type { AlertSilenceInput } from '../../domain/alerts'
import { canAccessPlant } from '../../domain/permissions'
import { audit } from '../audit/audit'
import { DomainError } from '../../domain/errors'
import { silenceView, type AlertSilenceView } from './views'

/** Silences and maintenance windows: operators set them for their plants (callers check the role). */

/** Current and future windows of the plants, plus those that ended in the last 7 days. */
export async function listSilences({ db, scope: plants }: Pick<Ctx, 'db' | 'scope'>, now = new Date()): Promise<AlertSilenceView[]> {
  const rows = await db.alertSilence.findMany({
    where: { plantCode: { in: [...plants] }, endsAt: { gt: new Date(now.getTime() - 7 * 24 * 3_600_000) } },
    orderBy: [{ endsAt: 'desc' }],
  })
  return rows.map((s) => silenceView(s, now))
}

export async function createSilence({ db, principal: actor }: Pick<Ctx, 'db' | 'principal'>, input: AlertSilenceInput): Promise<AlertSilenceView> {
  checkNamedPlants(actor, [input.plant])
  if (input.ruleId) {
    const rule = await db.alertRule.findUnique({ where: { id: input.ruleId }, select: { plantCode: true } })
    if (!rule || rule.plantCode !== input.plant) throw new DomainError('BAD_REQUEST', `Rule ${input.ruleId} is not a rule of plant ${input.plant}.`)
  }
  return db.$transaction(async (tx) => {
    const silence = await tx.alertSilence.create({
      data: {
        plantCode: input.plant,
        kind: input.kind,
        ruleId: input.ruleId ?? null,
        flow: input.flow ?? null,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        reason: input.reason,
        createdBy: actor.label,
      },
    })
    const view = silenceView(silence)
    await audit(tx, { actor, action: `alert_${input.kind}.create`, targetType: 'alert_silence', targetId: silence.id, reason: input.reason, after: view })
    return view
  })
}

/** Ends a window now (or removes one that has not started). */
export async function endSilence({ db, principal: actor }: Pick<Ctx, 'db' | 'principal'>, { id }: { id: string }, now = new Date()): Promise<AlertSilenceView> {
  const before = await db.alertSilence.findUnique({ where: { id } })
  if (!before || !canAccessPlant(actor, before.plantCode)) throw new DomainError('NOT_FOUND', `No silence ${id} in your plants.`)
  if (before.endsAt <= now) throw new DomainError('CONFLICT', 'This window has already ended.')
  return db.$transaction(async (tx) => {
    const after = await tx.alertSilence.update({
      where: { id },
      data: { endsAt: now, startsAt: before.startsAt > now ? now : before.startsAt },
    })
    await audit(tx, { actor, action: `alert_${before.kind}.end`, targetType: 'alert_silence', targetId: id, before: silenceView(before, now), after: silenceView(after, now) })
    return silenceView(after, now)
  })
}
