/**
 * Request body caps. A route handler reads its body through `readCappedBody`, which refuses an
 * announced Content-Length over the cap before reading a byte, and otherwise (chunked uploads)
 * counts the bytes as they stream in and stops at the cap, so no request can make the console
 * buffer more than the cap, signed in or not (the sign-in endpoint is the unauthenticated one).
 */

/** Default cap of a request body (MAX_BODY_BYTES); the tRPC route and REST routes may name a larger one. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

/**
 * The cap of requests that carry edited dead-letter payloads (REST POST /api/v1/replays, tRPC
 * replays.dryRun/create): an edit may be up to 1 MiB (replayEditSchema), and a job carries a few.
 */
export const REPLAY_MAX_BODY_BYTES = 16 * 1024 * 1024

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The request body is larger than ${limit} bytes (${formatBytes(limit)}), the most this endpoint accepts.`)
    this.name = 'BodyTooLargeError'
  }
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${Math.round(bytes / 1024)} KiB`
}

/** Throws BodyTooLargeError when the request announces a body larger than `limit`. */
export function checkContentLength(headers: Headers, limit: number): void {
  const announced = Number(headers.get('content-length') ?? '')
  if (Number.isFinite(announced) && announced > limit) throw new BodyTooLargeError(limit)
}

/** The body's bytes, at most `limit` of them (BodyTooLargeError beyond, the rest left unread). */
export async function readCappedBody(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  checkContentLength(request.headers, limit)
  if (!request.body) return new Uint8Array()
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      throw new BodyTooLargeError(limit)
    }
    chunks.push(value)
  }
  const body = new Uint8Array(new ArrayBuffer(size))
  let at = 0
  for (const chunk of chunks) {
    body.set(chunk, at)
    at += chunk.byteLength
  }
  return body
}

export async function readCappedText(request: Request, limit: number): Promise<string> {
  return new TextDecoder().decode(await readCappedBody(request, limit))
}

/**
 * The same request with its body read under the cap, for handlers that read the body themselves
 * (tRPC's fetch adapter, better-auth). Bodiless methods pass through untouched.
 */
export async function withCappedBody(request: Request, limit: number): Promise<Request> {
  if (request.method === 'GET' || request.method === 'HEAD') return request
  const body = await readCappedBody(request, limit)
  return new Request(request.url, { method: request.method, headers: request.headers, body: body.byteLength ? body : null, signal: request.signal })
}

/** The 413 every capped route answers, JSON like every other error. */
export function bodyTooLargeResponse(error: BodyTooLargeError): Response {
  return Response.json({ error: { code: 'PAYLOAD_TOO_LARGE', message: error.message } }, { status: 413 })
}
