export const dynamic = 'force-dynamic'

/**
 * Any /api/v1 path no route serves: a JSON 404 in the API's error shape (`{ error: { code, message } }`,
 * as server/rest/handler.ts answers), not the console's HTML page, so scripts and reporting tools get
 * an answer they can read. It names no resource and needs no session: nothing is revealed.
 */
function notFound(req: Request): Response {
  const path = new URL(req.url).pathname
  return Response.json(
    { error: { code: 'NOT_FOUND', message: `No API route ${req.method} ${path}.` } },
    { status: 404, headers: { 'cache-control': 'no-store' } },
  )
}

export const GET = notFound
export const POST = notFound
export const PUT = notFound
export const PATCH = notFound
export const DELETE = notFound
