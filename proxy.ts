import { NextResponse, type NextRequest } from 'next/server'
import { withRequestPath } from '@/server/auth/request-path'
import { newNonce, NONCE_HEADER, pageContentSecurityPolicy } from './server/http/csp'

/**
 * Runs before every console page; each concern is a function of its own module, this file only
 * chains them:
 * - the requested path goes to server components, so a signed-out visitor of a deep link is sent
 *   to `/login?next=<that link>` (server/auth/page-session.ts);
 * - a Content-Security-Policy with a nonce of its own: Next.js reads the policy from the request
 *   headers and stamps the nonce on the scripts it renders; the browser gets the same policy on the
 *   response. Pages are rendered per request anyway (they read the session), so the nonce costs no
 *   static rendering.
 */
export function proxy(request: NextRequest) {
  const nonce = newNonce()
  const policy = pageContentSecurityPolicy(nonce)
  const requestHeaders = withRequestPath(request.nextUrl, request.headers)
  requestHeaders.set(NONCE_HEADER, nonce)
  requestHeaders.set('content-security-policy', policy)
  const response = NextResponse.next({ request: { headers: requestHeaders } })
  response.headers.set('content-security-policy', policy)
  return response
}

export const config = {
  // Pages only: API routes serve JSON and files (next.config.js gives them a script-free policy),
  // and the proxy would otherwise hold their request bodies; static chunks need no nonce.
  matcher: [
    {
      source: '/((?!api/|_next/static|_next/image|favicon.ico).*)',
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
}
