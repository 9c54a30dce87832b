import { NextResponse, type NextRequest } from 'next/server'
import { withRequestPath } from '@/server/auth/request-path'

/**
 * Runs before every console page: passes the requested path to server components, so a signed-out
 * visitor of a deep link is sent to `/login?next=<that link>` (server/auth/page-session.ts).
 * Each concern is a function of its own module; this file only chains them.
 */
export function proxy(request: NextRequest) {
  return NextResponse.next({ request: { headers: withRequestPath(request.nextUrl, request.headers) } })
}

export const config = {
  // Pages only: API routes, Next.js assets and files answer without a session redirect.
  matcher: ['/((?!api/|_next/|favicon.ico).*)'],
}
