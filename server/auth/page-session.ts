import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import type { Principal } from '../domain/permissions'
import { getRuntime } from '../runtime'
import { principalFromHeaders } from './principal'
import { loginHref, REQUEST_PATH_HEADER } from './request-path'

/**
 * For server components: the signed-in principal, or a redirect to the login page that comes back
 * to the requested page (deep links in alert notifications and shared links survive sign-in).
 */
export async function requirePrincipal(): Promise<Principal> {
  const runtime = await getRuntime()
  const requestHeaders = await headers()
  const principal = await principalFromHeaders(runtime, requestHeaders)
  if (!principal) redirect(loginHref(requestHeaders.get(REQUEST_PATH_HEADER)))
  return principal
}

