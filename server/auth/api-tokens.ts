import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { PrismaClient } from '../db/client'
import type { Principal, Role } from '../domain/permissions'

const TOKEN_PREFIX = 'lt_'

/** Tokens are random 32-byte secrets; only their SHA-256 is stored, so a database leak reveals none. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

export function generateToken(): { token: string; prefix: string; tokenHash: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url')
  return { token, prefix: token.slice(0, TOKEN_PREFIX.length + 6), tokenHash: hashToken(token) }
}

export function bearerToken(headers: Headers): string | null {
  const value = headers.get('authorization')
  const match = value?.match(/^Bearer\s+(\S+)\s*$/i)
  return match?.[1] ?? null
}

/** Constant-time comparison of a presented token with the configured bootstrap token. */
export function matchesBootstrapToken(presented: string, configured: string | undefined): boolean {
  if (!configured) return false
  return timingSafeEqual(Buffer.from(hashToken(presented), 'hex'), Buffer.from(hashToken(configured), 'hex'))
}

export async function principalFromApiToken(prisma: PrismaClient, token: string): Promise<Principal | null> {
  const row = await prisma.apiToken.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { user: { include: { plantScopes: true } } },
  })
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt < new Date()) || row.user.disabled) return null
  // Throttled so every API call does not write a row.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000)
    await prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } })
  const role = row.user.role as Role
  return {
    kind: 'api_token',
    userId: row.userId,
    label: `${row.user.email} (token ${row.name})`,
    role,
    plants: role === 'admin' ? 'all' : row.user.plantScopes.map((s) => s.plantCode),
  }
}

/**
 * The scopes of a usable API token (not revoked or expired, its user enabled), null for any other
 * token. Scopes grant what a role does not imply, e.g. `ingest` (sending telemetry over OTLP).
 */
export async function apiTokenScopes(prisma: PrismaClient, token: string): Promise<string[] | null> {
  const row = await prisma.apiToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: { select: { disabled: true } } } })
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt < new Date()) || row.user.disabled) return null
  return row.scopes
}

export const BOOTSTRAP_PRINCIPAL: Principal = {
  kind: 'bootstrap_token',
  userId: null,
  label: 'ADMIN_API_TOKEN',
  role: 'admin',
  plants: 'all',
}
