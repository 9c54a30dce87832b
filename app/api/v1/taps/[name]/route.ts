import { z } from 'zod'
import { restHandler } from '@/server/rest/handler'
import { deleteTap, getTap, updateTap } from '@/server/services/taps/taps'

export const dynamic = 'force-dynamic'

const params = z.object({ name: z.string().max(100) })

/** GET /api/v1/taps/{name} (admin): the tap and its status. */
export const GET = restHandler({ role: 'admin', params }, async (ctx, { params: { name } }) => ({ tap: await getTap(ctx, { name }) }))

/** PUT /api/v1/taps/{name} (admin): the whole new definition (same name); applies from the next record the worker maps. File taps answer 409. */
export const PUT = restHandler({ role: 'admin', params, body: z.record(z.string(), z.unknown()) }, async (ctx, { params: { name }, body: definition }) => ({
  tap: await updateTap(ctx, { name, definition }),
}))

/** DELETE /api/v1/taps/{name} (admin): stops and removes a stored tap (its consumer group's offsets stay on the broker). */
export const DELETE = restHandler({ role: 'admin', params }, async (ctx, { params: { name } }) => deleteTap(ctx, { name }))
