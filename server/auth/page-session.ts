import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import type { Principal } from '../domain/permissions'
import { getRuntime } from '../runtime'
import { principalFromHeaders } from './principal'

/** For server components: the signed-in principal, or a redirect to the login page. */
export async function requirePrincipal(): Promise<Principal> {
  const runtime = await getRuntime()
  const principal = await principalFromHeaders(runtime, await headers())
  if (!principal) redirect('/login')
  return principal
}

