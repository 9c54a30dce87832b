import { z } from 'zod'
import { RestResult, restHandler } from '@/server/rest/handler'
import { createTap, listTaps } from '@/server/services/taps/taps'

export const dynamic = 'force-dynamic'

/** The definition's own fields (checked by the service, which names each wrong one) and whether to start it. */
const body = z.looseObject({ enabled: z.boolean().optional() })

/** GET /api/v1/taps (admin): every tap, stored and from TAPS_FILE, each with what the worker last reported. */
export const GET = restHandler({ role: 'admin' }, async (ctx) => ({ taps: await listTaps(ctx) }))

/**
 * POST /api/v1/taps (admin): a tap definition (`{name, topic, start?, format?, textPattern?, mapping, maxErrorRate?}`)
 * plus `enabled`, which defaults to true here: a script that creates a tap means it to run. The
 * console's editor creates taps disabled and enables them after a preview.
 */
export const POST = restHandler({ role: 'admin', body }, async (ctx, { body: { enabled, ...definition } }) =>
  new RestResult(201, { tap: await createTap(ctx, { definition, enabled: enabled ?? true }) }),
)
