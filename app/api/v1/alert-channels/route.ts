import { alertChannelInputSchema } from '@/server/domain/alerts'
import { jsonBody, RestResult, restHandler } from '@/server/rest'
import { createChannel, listChannels } from '@/server/services/alerts/channels'

export const dynamic = 'force-dynamic'

/** GET /api/v1/alert-channels (admin): channels with masked URLs and their last delivery. */
export const GET = restHandler('v1.alert-channels', 'admin', async ({ runtime }) => ({ channels: await listChannels(runtime.db.prisma) }))

/**
 * POST /api/v1/alert-channels (admin): `{name, kind: webhook|slack|teams, url, severities?, plants?, enabled?}`.
 * The answer carries the masked URL only; the full URL is never shown again.
 */
export const POST = restHandler('v1.alert-channels.create', 'admin', async ({ runtime, principal, req }) => {
  const input = await jsonBody(req, alertChannelInputSchema)
  return new RestResult(201, { channel: await createChannel(runtime.db.prisma, principal, input) })
})
