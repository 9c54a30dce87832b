import { BOOTSTRAP_PRINCIPAL } from '../../auth/api-tokens'
import { makeServedHeaders } from '../../auth/testing/served-headers'
import { ROLES } from '../../domain/permissions'
import type { Caller } from './expectations'
import { BOOTSTRAP_TOKEN, type MatrixUser, type World } from './world'

/** The console's origin in the matrix's requests (same-origin: what a browser on the console sends). */
export const ORIGIN = 'http://localhost:3000'

/** The tRPC matrix's callers: anonymous and a session of each role (viewer and operator of plant IN only). */
export function trpcCallers(w: World): Caller[] {
  return [{ name: 'anonymous', principal: null, scopes: [], bearer: false }, ...ROLES.map((role) => ({ name: role, principal: w.users[role].principal, scopes: [], bearer: false }))]
}

export interface RestCaller extends Caller {
  /** Credentials as request headers. */
  headers: Record<string, string>
}

/** A session cookie of the user, from a real sign-in through better-auth's handler. */
async function sessionCookie(w: World, user: MatrixUser): Promise<string> {
  const headers = makeServedHeaders('127.0.0.1', { 'content-type': 'application/json', origin: ORIGIN, host: new URL(ORIGIN).host })
  const response = await w.runtime.auth.handler(
    new Request(`${ORIGIN}/api/auth/sign-in/email`, { method: 'POST', headers, body: JSON.stringify({ email: user.email, password: user.password }) }),
  )
  const cookie = response.headers.getSetCookie().find((c) => c.includes('session_token'))
  if (response.status !== 200 || !cookie) throw new Error(`sign-in of ${user.email} answered ${response.status} without a session cookie`)
  return cookie.split(';')[0]!
}

/**
 * The REST matrix's callers: no credentials, an unknown and a revoked token, a token of each role, an
 * operator's session cookie, the bootstrap token (ADMIN_API_TOKEN) and a viewer's token with the
 * `ingest` scope.
 */
export async function restCallers(w: World): Promise<RestCaller[]> {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
  const callers: RestCaller[] = [
    { name: 'anonymous', principal: null, scopes: [], bearer: false, headers: {} },
    { name: 'unknown token', principal: null, scopes: [], bearer: true, headers: bearer('lt_not-a-token-of-this-install') },
    { name: 'revoked admin token', principal: null, scopes: [], bearer: true, headers: bearer(w.revokedToken) },
    { name: 'bootstrap token', principal: BOOTSTRAP_PRINCIPAL, scopes: ['ingest'], bearer: true, headers: bearer(BOOTSTRAP_TOKEN) },
    { name: 'viewer token (ingest scope)', principal: w.users.viewer.principal, scopes: ['ingest'], bearer: true, headers: bearer(w.ingestToken) },
  ]
  for (const role of ROLES) callers.push({ name: `${role} token`, principal: w.users[role].principal, scopes: [], bearer: true, headers: bearer(w.users[role].token) })
  // The console's cookie path resolves the principal on its own (principal.ts); one session shows its role and scope hold.
  const operator = w.users.operator
  callers.push({ name: 'operator session', principal: operator.principal, scopes: [], bearer: false, headers: { cookie: await sessionCookie(w, operator) } })
  return callers
}
