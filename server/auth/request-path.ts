/**
 * The path and query a page was requested with, for server components: Next.js gives layouts and
 * `requirePrincipal` no request URL, so the proxy (`proxy.ts`) copies it into a request header.
 * The proxy always overwrites the header, so a client cannot smuggle its own value in; and the
 * login form only follows it through `safeNext`, so even a forged one could not leave the console.
 */
export const REQUEST_PATH_HEADER = 'x-linetrace-request-path'

/** The request's headers with the requested path+query added: what the proxy forwards. */
export function withRequestPath(url: URL, headers: Headers): Headers {
  const forwarded = new Headers(headers)
  // `_rsc` marks a client navigation's data request; the page's own URL is without it.
  const search = new URLSearchParams(url.search)
  search.delete('_rsc')
  const query = search.toString()
  forwarded.set(REQUEST_PATH_HEADER, `${url.pathname}${query ? `?${query}` : ''}`)
  return forwarded
}

/**
 * The login URL that brings the user back to `requested` after sign-in. Only console paths are
 * carried (`/` and the login page itself need no `next`); anything else signs in to the start page.
 */
export function loginHref(requested: string | null | undefined): string {
  if (!requested || !requested.startsWith('/') || requested.startsWith('//') || requested === '/' || requested.startsWith('/login')) return '/login'
  return `/login?${new URLSearchParams({ next: requested }).toString()}`
}
