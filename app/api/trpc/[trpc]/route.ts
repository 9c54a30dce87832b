import { fetchRequestHandler } from '@trpc/server/adapters/fetch'
import { MAX_BATCH_SIZE } from '@/server/domain/api-limits'
import { BodyTooLargeError, bodyTooLargeResponse, REPLAY_MAX_BODY_BYTES, withCappedBody } from '@/server/http/body-limit'
import { appRouter } from '@/server/routers/app'
import { getRuntime } from '@/server/runtime'
import { createContext } from '@/server/trpc'

export const dynamic = 'force-dynamic'

/** Procedures that carry edited dead-letter payloads: they get the replay cap instead of MAX_BODY_BYTES. */
const REPLAY_EDIT_PATHS = new Set(['replays.dryRun', 'replays.create'])

async function handler(req: Request) {
  // `/api/trpc/a.b,c.d`: the body cap is the largest of the called procedures'.
  const paths = decodeURIComponent(new URL(req.url).pathname.replace(/^\/api\/trpc\/?/, '')).split(',')
  if (paths.length > MAX_BATCH_SIZE)
    return Response.json({ error: { code: 'BAD_REQUEST', message: `A batch may hold at most ${MAX_BATCH_SIZE} calls; this one has ${paths.length}.` } }, { status: 400 })
  const limit = paths.some((p) => REPLAY_EDIT_PATHS.has(p)) ? REPLAY_MAX_BODY_BYTES : (await getRuntime()).config.env.MAX_BODY_BYTES
  let capped: Request
  try {
    capped = await withCappedBody(req, limit)
  } catch (error) {
    if (error instanceof BodyTooLargeError) return bodyTooLargeResponse(error)
    throw error
  }
  return fetchRequestHandler({ endpoint: '/api/trpc', req: capped, router: appRouter, createContext, maxBatchSize: MAX_BATCH_SIZE })
}

export { handler as GET, handler as POST }
