/**
 * Cross-site request forgery guard for requests a browser authenticates by itself (the session
 * cookie). A page on another origin — even another port of the same host, which counts as the same
 * *site* for SameSite cookies — can send a cookie-bearing `text/plain` (or type-less Blob) POST
 * with `mode: 'no-cors'` and no preflight. It cannot send `Content-Type: application/json` without
 * a CORS preflight (which the console never answers), and browsers stamp every non-GET request
 * with its true `Origin`. So a state-changing cookie request must be JSON and same-origin.
 * Bearer-token requests carry their credential explicitly and are not affected.
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function isStateChanging(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase())
}

/**
 * The origins the console is served from: PUBLIC_URL, and the origin the request was addressed to
 * (its Host, which a browser sets to the target and a page cannot change; the scheme from a trusted
 * proxy's X-Forwarded-Proto). better-auth's own origin check trusts the same list (server/auth/auth.ts).
 */
export function consoleOrigins(request: Request | undefined, publicUrl: string): string[] {
  const origins = [new URL(publicUrl).origin]
  const host = request?.headers.get('x-forwarded-host') ?? request?.headers.get('host')
  if (host) origins.push(`${request?.headers.get('x-forwarded-proto') ?? 'http'}://${host}`)
  else if (request) origins.push(new URL(request.url).origin)
  return origins
}

/**
 * Why a cookie-authenticated request must be refused (a 403 message), or null when it may proceed.
 * Only state-changing methods are checked; GET must not change anything anyway.
 */
export function crossOriginRefusal(request: Request, publicUrl: string): string | null {
  if (!isStateChanging(request.method)) return null
  const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (mediaType !== 'application/json')
    return 'A signed-in browser request that changes something must send Content-Type: application/json (scripts use an API token instead).'
  const origin = request.headers.get('origin')
  const fetchSite = request.headers.get('sec-fetch-site')
  // Sec-Fetch-Site is only sent in secure contexts (https, localhost); when present it must agree.
  if (fetchSite && fetchSite !== 'same-origin') return `Cross-origin request refused (Sec-Fetch-Site: ${fetchSite}).`
  if (origin && origin !== 'null') {
    if (!consoleOrigins(request, publicUrl).includes(origin)) return `Cross-origin request refused (Origin: ${origin}).`
    return null
  }
  if (fetchSite === 'same-origin') return null
  return 'A signed-in browser request that changes something must come from the console (no Origin header).'
}
