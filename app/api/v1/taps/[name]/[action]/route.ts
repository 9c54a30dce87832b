import { z } from 'zod'
import { restHandler } from '@/server/rest/handler'
import { resumeTap, setTapEnabled } from '@/server/services/taps/taps'

export const dynamic = 'force-dynamic'

const params = z.object({ name: z.string().max(100), action: z.enum(['enable', 'disable', 'resume'], 'must be enable, disable or resume') })

/** POST /api/v1/taps/{name}/{enable|disable|resume} (admin): resume clears the pause the worker set after too many failures. */
export const POST = restHandler({ role: 'admin', params }, async (ctx, { params: { name, action } }) => ({
  tap: action === 'resume' ? await resumeTap(ctx, { name }) : await setTapEnabled(ctx, { name, enabled: action === 'enable' }),
}))
