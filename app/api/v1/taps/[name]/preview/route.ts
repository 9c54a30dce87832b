import { z } from 'zod'
import { restHandler } from '@/server/rest/handler'
import { PREVIEW_MAX, previewTap } from '@/server/services/taps/preview'

export const dynamic = 'force-dynamic'

const params = z.object({ name: z.string().max(100) })
const body = z.object({ definition: z.record(z.string(), z.unknown()).optional(), limit: z.number().int().min(1).max(PREVIEW_MAX).optional() })

/**
 * POST /api/v1/taps/{name}/preview (admin) `{limit?, definition?}`: the newest records of the tap's
 * topic (20 by default, at most 100), each beside the hop event the mapping makes or why it cannot;
 * nothing is committed. With `definition`, previews that (unsaved) definition instead of the stored one.
 */
export const POST = restHandler({ role: 'admin', params, body, optionalBody: true }, async (ctx, { params: { name }, body: { definition, limit } }) =>
  previewTap(ctx, definition ? { definition, limit } : { name, limit }),
)
