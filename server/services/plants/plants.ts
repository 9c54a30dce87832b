import { z } from 'zod'
import { checkNamedPlants } from '../../context/scope'
import type { Ctx } from '../../context/ctx'
import { isValidTimeZone, shiftCalendarSchema, type Shift } from '../../domain/plants'
import { audit, type AuditCtx } from '../audit/audit'
import { DomainError } from '../../domain/errors'

export interface PlantView {
  code: string
  name: string
  timeZone: string
  erpCompanyCode: string | null
  shiftCalendar: Shift[]
  discovered: boolean
  replayApprovalRequired: boolean
}

function view(row: {
  code: string
  name: string
  timeZone: string
  erpCompanyCode: string | null
  shiftCalendar: unknown
  discovered: boolean
  replayApprovalRequired: boolean
}): PlantView {
  const shifts = shiftCalendarSchema.safeParse(row.shiftCalendar)
  return { ...row, shiftCalendar: shifts.success ? shifts.data : [] }
}

/** The plants a principal may see, ordered by code. */
export async function listPlants({ db, principal }: Pick<Ctx, 'db' | 'principal'>): Promise<PlantView[]> {
  const rows = await db.plant.findMany({
    where: principal.plants === 'all' ? {} : { code: { in: [...principal.plants] } },
    orderBy: { code: 'asc' },
  })
  return rows.map(view)
}

export async function getPlant({ db, principal }: Pick<Ctx, 'db' | 'principal'>, { plant: code }: { plant: string }): Promise<PlantView> {
  // Scope first: to a user outside a plant, an unknown plant and another's look alike (both
  // "not in your plants"), so the answer does not reveal which plants exist. Only a principal that
  // sees every plant learns that one does not exist.
  checkNamedPlants(principal, [code])
  const row = await db.plant.findUnique({ where: { code } })
  if (!row) throw new DomainError('NOT_FOUND', `Plant ${code} is not known to Linetrace.`)
  return view(row)
}

export const plantUpdateSchema = z.object({
  name: z.string().trim().min(1, 'a plant needs a name').max(100).optional(),
  timeZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Berlin').optional(),
  erpCompanyCode: z.string().trim().max(16).nullable().optional(),
  shiftCalendar: shiftCalendarSchema.optional(),
  replayApprovalRequired: z.boolean().optional(),
})

export async function updatePlant(ctx: AuditCtx, { code, change }: { code: string; change: z.infer<typeof plantUpdateSchema> }): Promise<PlantView> {
  const before = await ctx.db.plant.findUnique({ where: { code } })
  if (!before) throw new DomainError('NOT_FOUND', `Plant ${code} is not known to Linetrace.`)
  return ctx.db.$transaction(async (tx) => {
    // Naming a discovered plant confirms it.
    const after = await tx.plant.update({ where: { code }, data: { ...change, discovered: change.name ? false : undefined } })
    await audit(tx, { actor: ctx.principal, action: 'plant.update', targetType: 'plant', targetId: code, before: view(before), after: view(after) })
    return view(after)
  })
}
