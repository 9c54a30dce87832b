import { z } from 'zod'
import type { Ctx } from '../../context/ctx'
import { SLA_DEFAULTS } from '../../domain/sla'
import { audit, type AuditCtx } from '../audit/audit'
import { DomainError } from '../../domain/errors'
import { slaBookOf } from './book'

/**
 * SLA targets per plant and flow, edited by admins. An entry for flow "*" is the plant's target for
 * every flow without its own; removing a flow's entry falls back to it, removing the "*" entry falls
 * back to the default of KPIS.md. Every change is audited with before and after.
 */

const KPI_IDS = SLA_DEFAULTS.map((d) => d.kpi) as [string, ...string[]]

export const targetInputSchema = z.object({
  flow: z.string().trim().regex(/^(\*|[a-z][a-z0-9_]{0,39})$/, 'a flow is "*" or a flow name such as goods_movement'),
  kpi: z.enum(KPI_IDS),
  target: z.number().finite().min(0).max(1e9),
})
export type TargetInput = z.infer<typeof targetInputSchema>

export interface TargetRow {
  kpi: string
  label: string
  unit: string
  direction: 'max' | 'min'
  default: number
  /** The plant-wide value in force (its "*" entry, else the default). */
  plant: number
  plantSource: 'plant' | 'default'
  /** Flow-specific entries. */
  flows: Array<{ flow: string; target: number; updatedBy: string | null; updatedAt: Date }>
}

export async function listTargets({ db }: Pick<Ctx, 'db'>, { plant }: { plant: string }): Promise<TargetRow[]> {
  const rows = await db.slaTarget.findMany({ where: { plantCode: plant }, orderBy: [{ kpi: 'asc' }, { flow: 'asc' }] })
  const book = slaBookOf(rows)
  return SLA_DEFAULTS.map((d) => {
    const eff = book.target(plant, '*', d.kpi)
    return {
      kpi: d.kpi,
      label: d.label,
      unit: d.unit,
      direction: d.direction,
      default: d.target,
      plant: eff.target,
      plantSource: eff.source === 'default' ? 'default' : 'plant',
      flows: rows.filter((r) => r.kpi === d.kpi && r.flow !== '*').map((r) => ({ flow: r.flow, target: r.target, updatedBy: r.updatedBy, updatedAt: r.updatedAt })),
    }
  })
}

export async function setTarget(ctx: AuditCtx, input: TargetInput & { plant: string }): Promise<void> {
  const { plant } = input
  const actor = ctx.principal
  const unit = SLA_DEFAULTS.find((d) => d.kpi === input.kpi)!.unit
  if (unit === '%' && input.target > 100) throw new DomainError('BAD_REQUEST', `A percentage target must be between 0 and 100; got ${input.target}.`)
  await ctx.db.$transaction(async (tx) => {
    const key = { plantCode_flow_kpi: { plantCode: plant, flow: input.flow, kpi: input.kpi } }
    const before = await tx.slaTarget.findUnique({ where: key })
    const after = await tx.slaTarget.upsert({
      where: key,
      create: { plantCode: plant, flow: input.flow, kpi: input.kpi, target: input.target, unit, updatedBy: actor.label },
      update: { target: input.target, updatedBy: actor.label },
    })
    await audit(tx, {
      actor,
      action: 'sla_target.set',
      targetType: 'sla_target',
      targetId: `${plant}|${input.flow}|${input.kpi}`,
      before: before ? { target: before.target } : null,
      after: { target: after.target, unit },
    })
  })
}

/** Removes an entry: the flow falls back to the plant's target, the plant to the default. */
export async function resetTarget(ctx: AuditCtx, input: Pick<TargetInput, 'flow' | 'kpi'> & { plant: string }): Promise<void> {
  const { plant } = input
  const actor = ctx.principal
  await ctx.db.$transaction(async (tx) => {
    const key = { plantCode_flow_kpi: { plantCode: plant, flow: input.flow, kpi: input.kpi } }
    const before = await tx.slaTarget.findUnique({ where: key })
    if (!before) throw new DomainError('NOT_FOUND', `Plant ${plant} has no ${input.kpi} target for flow ${input.flow}; nothing to reset.`)
    await tx.slaTarget.delete({ where: key })
    await audit(tx, { actor, action: 'sla_target.reset', targetType: 'sla_target', targetId: `${plant}|${input.flow}|${input.kpi}`, before: { target: before.target } })
  })
}
