import { restHandler } from '@/server/rest/handler'
import { getDeadLetter } from '@/server/services/dead-letters/queries'

export const dynamic = 'force-dynamic'

/** GET /api/v1/dead-letters/{id}: one dead letter with decoded metadata, headers, payload (text), comments and audit trail. */
export const GET = restHandler({ role: 'viewer' }, async (ctx, { params }) => getDeadLetter(ctx, { id: params.id ?? '' }))
