import type { PrismaClient } from '../db/client'
import { DomainError } from '../domain/errors'
import { canAccessPlant, scopePlants, type Principal } from '../domain/permissions'

/**
 * The one plant-scope resolver: every edge (tRPC, REST) and every service that reads by plant asks
 * here. Naming a plant outside the caller's plants is refused with the same message everywhere.
 */
export function checkNamedPlants(principal: Pick<Principal, 'plants'>, named: readonly string[]): void {
  const outside = named.filter((p) => !canAccessPlant(principal, p))
  if (outside.length) throw new DomainError('FORBIDDEN', `Plant ${outside.join(', ')} is not in your plants.`)
}

/** The plants named as `plant` and/or `plants` (a facet or filter), in that order. */
export function namedPlants(input: { plant?: string | null; plants?: readonly string[] | null } | undefined): string[] {
  return [...(input?.plant ? [input.plant] : []), ...(input?.plants ?? [])]
}

/** The known plants a call may read: the named ones (each must be the caller's), else all of the caller's. */
export async function resolveScope(db: Pick<PrismaClient, 'plant'>, principal: Principal, named: readonly string[]): Promise<string[]> {
  checkNamedPlants(principal, named)
  const known = await db.plant.findMany({ select: { code: true }, orderBy: { code: 'asc' } })
  return scopePlants(principal, named, known.map((p) => p.code))
}

/**
 * The plants a record filter (dead letters, replay selections) may read: the named ones, else all of
 * the caller's. 'all' (an admin without a plant facet) also covers records whose plant could not be
 * decoded.
 */
export function recordScope(principal: Principal, named: readonly string[]): readonly string[] | 'all' {
  checkNamedPlants(principal, named)
  if (named.length) return [...new Set(named)]
  return principal.plants === 'all' ? 'all' : principal.plants
}
