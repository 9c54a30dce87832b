import { z } from 'zod'
import { alertRuleInputSchema } from '@/server/domain/alerts'
import { plantCodeSchema } from '@/server/domain/plants'
import { RestResult, restHandler } from '@/server/rest/handler'
import { createRule, listRules } from '@/server/services/alerts/rules'

export const dynamic = 'force-dynamic'

const query = z.object({ plant: plantCodeSchema.optional() })

/** GET /api/v1/alert-rules[?plant=CODE]: the rules of the token's plants. */
export const GET = restHandler({ role: 'viewer', query, plantFacet: true }, async (ctx) => ({ rules: await listRules(ctx) }))

/** POST /api/v1/alert-rules (admin): `{plant, kind, severity, params, flow?, line?, name?, forMinutes?, keepFiringMinutes?, enabled?}`. */
export const POST = restHandler({ role: 'admin', body: alertRuleInputSchema }, async (ctx, { body }) =>
  new RestResult(201, { rule: await createRule(ctx, body) }),
)
