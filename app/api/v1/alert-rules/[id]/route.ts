import { z } from 'zod'
import { alertRuleUpdateSchema } from '@/server/domain/alerts'
import { DomainError } from '@/server/domain/errors'
import { restHandler } from '@/server/rest/handler'
import { updateRule } from '@/server/services/alerts/rules'

export const dynamic = 'force-dynamic'

const idSchema = z.uuid()

/**
 * PATCH /api/v1/alert-rules/{id} (admin): any of flow, line, name, severity, enabled, forMinutes,
 * keepFiringMinutes, params (a JSON merge patch: given keys replace, null removes one).
 */
export const PATCH = restHandler(
  { role: 'admin', body: alertRuleUpdateSchema },
  async (ctx, { params, body: change }) => {
    const id = params.id ?? ''
    if (!idSchema.safeParse(id).success) throw new DomainError('NOT_FOUND', `No alert rule ${id}.`)
    return { rule: await updateRule(ctx, { id, change }) }
  },
)
