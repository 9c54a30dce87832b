import { restHandler } from '@/server/rest'
import { getDeadLetter } from '@/server/services/dead-letters/queries'

export const dynamic = 'force-dynamic'

/** GET /api/v1/dead-letters/{id}: one dead letter with decoded metadata, headers, payload (text), comments and audit trail. */
export const GET = restHandler('v1.deadLetters.get', 'viewer', async ({ runtime, principal, params }) => getDeadLetter(runtime.db.prisma, principal, params.id ?? ''))
