import { z } from 'zod'
import { alertRuleUpdateSchema } from '@/server/domain/alerts'
import { jsonBody, restHandler } from '@/server/rest'
import { DomainError } from '@/server/services/errors'
import { updateRule } from '@/server/services/alerts/rules'

export const dynamic = 'force-dynamic'

const idSchema = z.uuid()

/**
 * PATCH /api/v1/alert-rules/{id} (admin): any of flow, line, name, severity, enabled, forMinutes,
 * keepFiringMinutes, params (a JSON merge patch: given keys replace, null removes one).
 */
export const PATCH = restHandler('v1.alert-rules.update', 'admin', async ({ runtime, principal, params, req }) => {
  const id = params.id ?? ''
  if (!idSchema.safeParse(id).success) throw new DomainError('NOT_FOUND', `No alert rule ${id}.`)
  const change = await jsonBody(req, alertRuleUpdateSchema)
  return { rule: await updateRule(runtime.db.prisma, principal, id, change) }
})
