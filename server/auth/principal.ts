import type { Principal, Role } from '../domain/permissions'
import type { Runtime } from '../runtime'
import { bearerToken, BOOTSTRAP_PRINCIPAL, matchesBootstrapToken, principalFromApiToken } from './api-tokens'

/**
 * Who is calling: a bearer token (REST clients, scripts) or a session cookie (the browser).
 * A presented but unknown bearer token is a failed authentication, never a fallback to the cookie.
 */
export async function principalFromHeaders(runtime: Runtime, headers: Headers): Promise<Principal | null> {
  const token = bearerToken(headers)
  if (token) {
    if (matchesBootstrapToken(token, runtime.config.adminApiToken)) return BOOTSTRAP_PRINCIPAL
    return principalFromApiToken(runtime.db.prisma, token)
  }
  const result = await runtime.auth.api.getSession({ headers })
  if (!result) return null
  const user = await runtime.db.prisma.user.findUnique({
    where: { id: result.user.id },
    include: { plantScopes: { select: { plantCode: true } } },
  })
  if (!user || user.disabled) return null
  const role = user.role as Role
  return {
    kind: 'session',
    userId: user.id,
    label: user.email,
    role,
    plants: role === 'admin' ? 'all' : user.plantScopes.map((s) => s.plantCode),
  }
}
