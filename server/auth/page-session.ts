import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { ACTIONS, can, type Action, type Principal } from '../domain/permissions'
import { getRuntime } from '../runtime'
import { principalFromHeaders } from './principal'

/** For server components: the signed-in principal, or a redirect to the login page. */
export async function requirePrincipal(): Promise<Principal> {
  const runtime = await getRuntime()
  const principal = await principalFromHeaders(runtime, await headers())
  if (!principal) redirect('/login')
  return principal
}

export function permissionsOf(principal: Principal): Record<Action, boolean> {
  return Object.fromEntries((Object.keys(ACTIONS) as Action[]).map((a) => [a, can(principal, a)])) as Record<Action, boolean>
}
