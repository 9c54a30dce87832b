import { BodyTooLargeError, bodyTooLargeResponse, withCappedBody } from '@/server/http/body-limit'
import { getRuntime } from '@/server/runtime'

export const dynamic = 'force-dynamic'

/**
 * better-auth's endpoints (sign-in, sign-out, session). Sign-in is open to anyone on the network,
 * so its body is capped (MAX_BODY_BYTES) before better-auth parses it.
 */
async function handler(req: Request) {
  const { auth, config } = await getRuntime()
  try {
    return await auth.handler(await withCappedBody(req, config.env.MAX_BODY_BYTES))
  } catch (error) {
    if (error instanceof BodyTooLargeError) return bodyTooLargeResponse(error)
    throw error
  }
}

export { handler as GET, handler as POST }
