import { alertChannelInputSchema } from '@/server/domain/alerts'
import { RestResult, restHandler } from '@/server/rest/handler'
import { createChannel, listChannels } from '@/server/services/alerts/channels'

export const dynamic = 'force-dynamic'

/** GET /api/v1/alert-channels (admin): channels with masked URLs and their last delivery. */
export const GET = restHandler({ role: 'admin' }, async (ctx) => ({ channels: await listChannels(ctx) }))

/**
 * POST /api/v1/alert-channels (admin): `{name, kind: webhook|slack|teams, url, severities?, plants?, enabled?}`.
 * The answer carries the masked URL only; the full URL is never shown again.
 */
export const POST = restHandler({ role: 'admin', body: alertChannelInputSchema }, async (ctx, { body }) =>
  new RestResult(201, { channel: await createChannel(ctx, body) }),
)
