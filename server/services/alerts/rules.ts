import { ZodError } from 'zod'
import { checkNamedPlants } from '../../context/scope'
import type { PrismaClient } from '../../db/client'
import type { Ctx } from '../../context/ctx'
import { ALERT_TIMING_DEFAULTS, parseAlertParams, type AlertRuleInput, type AlertRuleUpdate } from '../../domain/alerts'
import { canAccessPlant, type Principal } from '../../domain/permissions'
import { audit } from '../audit/audit'
import { DomainError } from '../../domain/errors'
import { resolveEpisode } from './episodes'
import { ruleName } from './rule-names'
import { ruleView, type AlertRuleView } from './views'

/** Alert rules per plant: listed by anyone who sees the plant, changed by admins (the callers check the role). */

type Actor = Pick<Principal, 'userId' | 'label' | 'plants'>
type RuleCtx = Pick<Ctx, 'db' | 'principal'>

function badParams(error: ZodError): DomainError {
  return new DomainError('BAD_REQUEST', `Invalid rule parameters: ${error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ')}`)
}

async function requirePlant(db: PrismaClient, actor: Actor, plant: string) {
  checkNamedPlants(actor, [plant])
  if (!(await db.plant.findUnique({ where: { code: plant }, select: { code: true } })))
    throw new DomainError('NOT_FOUND', `Plant ${plant} is not known to Linetrace; rules belong to known plants (see GET /api/v1/plants).`)
}

export async function listRules({ db, scope }: Pick<Ctx, 'db' | 'scope'>): Promise<AlertRuleView[]> {
  const rows = await db.alertRule.findMany({
    where: { plantCode: { in: [...scope] } },
    orderBy: [{ plantCode: 'asc' }, { kind: 'asc' }, { flow: 'asc' }, { createdAt: 'asc' }],
  })
  return rows.map(ruleView)
}

async function getRule(db: PrismaClient, actor: Actor, id: string) {
  const rule = await db.alertRule.findUnique({ where: { id } })
  // Out-of-scope rules look like unknown ones: the answer does not reveal other plants' rules.
  if (!rule || !canAccessPlant(actor, rule.plantCode)) throw new DomainError('NOT_FOUND', `No alert rule ${id} in your plants.`)
  return rule
}

export async function createRule({ db, principal: actor }: RuleCtx, input: AlertRuleInput): Promise<AlertRuleView> {
  await requirePlant(db, actor, input.plant)
  return db.$transaction(async (tx) => {
    const rule = await tx.alertRule.create({
      data: {
        plantCode: input.plant,
        flow: input.flow,
        line: input.line ?? null,
        kind: input.kind,
        name: input.name ?? ruleName(input.kind, input.flow, input.line ?? null, input.params),
        params: input.params,
        severity: input.severity,
        enabled: input.enabled,
        forMinutes: input.forMinutes ?? ALERT_TIMING_DEFAULTS[input.kind].forMinutes,
        keepFiringMinutes: input.keepFiringMinutes ?? ALERT_TIMING_DEFAULTS[input.kind].keepFiringMinutes,
        updatedBy: actor.label,
      },
    })
    const view = ruleView(rule)
    await audit(tx, { actor, action: 'alert_rule.create', targetType: 'alert_rule', targetId: rule.id, after: view })
    return view
  })
}

export async function updateRule({ db, principal: actor }: RuleCtx, { id, change }: { id: string; change: AlertRuleUpdate }): Promise<AlertRuleView> {
  const before = await getRule(db, actor, id)
  let params: object
  try {
    // JSON merge patch (RFC 7396): given keys replace, null removes (back to the default).
    const merged: Record<string, unknown> = { ...(before.params as object), ...(change.params ?? {}) }
    for (const [k, v] of Object.entries(merged)) if (v === null) delete merged[k]
    params = parseAlertParams(before.kind, merged)
  } catch (error) {
    if (error instanceof ZodError) throw badParams(error)
    throw error
  }
  const flow = change.flow ?? before.flow
  const line = change.line === undefined ? before.line : change.line
  // A name the template or the API derived follows the rule; a name a person chose stays.
  const derived = before.name === ruleName(before.kind, before.flow, before.line, parseAlertParams(before.kind, before.params))
  const name = change.name ?? (derived ? ruleName(before.kind, flow, line, params) : before.name)
  return db.$transaction(async (tx) => {
    const after = await tx.alertRule.update({
      where: { id },
      data: {
        flow,
        line,
        name,
        params,
        severity: change.severity,
        enabled: change.enabled,
        forMinutes: change.forMinutes,
        keepFiringMinutes: change.keepFiringMinutes,
        updatedBy: actor.label,
      },
    })
    const view = ruleView(after)
    await audit(tx, { actor, action: 'alert_rule.update', targetType: 'alert_rule', targetId: id, before: ruleView(before), after: view })
    return view
  })
}

/** Deletes a rule; its open episode resolves (with a resolve notification if it had fired), its history stays. */
export async function deleteRule({ db, principal: actor }: RuleCtx, { id }: { id: string }): Promise<void> {
  const before = await getRule(db, actor, id)
  const now = new Date()
  const channels = await db.alertChannel.findMany({ where: { enabled: true } })
  await db.$transaction(async (tx) => {
    const open = await tx.alertEpisode.findUnique({ where: { openKey: id } })
    if (open) await resolveEpisode(tx, open, now, channels, 'rule deleted')
    await tx.alertRule.delete({ where: { id } })
    await audit(tx, { actor, action: 'alert_rule.delete', targetType: 'alert_rule', targetId: id, before: ruleView(before) })
  })
}
