import { z } from 'zod'
import { alertRuleInputSchema } from '@/server/domain/alerts'
import { plantCodeSchema } from '@/server/domain/plants'
import { jsonBody, RestResult, restHandler } from '@/server/rest'
import { createRule, listRules } from '@/server/services/alerts/rules'
import { requestPlants } from '@/server/services/alerts/scope'

export const dynamic = 'force-dynamic'

const query = z.object({ plant: plantCodeSchema.optional() })

/** GET /api/v1/alert-rules[?plant=CODE]: the rules of the token's plants. */
export const GET = restHandler('v1.alert-rules', 'viewer', async ({ runtime, principal, url }) => {
  const { plant } = query.parse(Object.fromEntries(url.searchParams))
  const prisma = runtime.db.prisma
  return { rules: await listRules(prisma, await requestPlants(prisma, principal, plant)) }
})

/** POST /api/v1/alert-rules (admin): `{plant, kind, severity, params, flow?, line?, name?, forMinutes?, keepFiringMinutes?, enabled?}`. */
export const POST = restHandler('v1.alert-rules.create', 'admin', async ({ runtime, principal, req }) => {
  const input = await jsonBody(req, alertRuleInputSchema)
  return new RestResult(201, { rule: await createRule(runtime.db.prisma, principal, input) })
})
