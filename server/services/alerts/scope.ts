import type { PrismaClient } from '../../db/client'
import { canAccessPlant, scopePlants, type Principal } from '../../domain/permissions'
import { DomainError } from '../errors'

/** The plants a REST request reads: the named one (403 outside the caller's scope) or all the caller's. */
export async function requestPlants(prisma: PrismaClient, principal: Principal, plant: string | undefined): Promise<string[]> {
  if (plant && !canAccessPlant(principal, plant)) throw new DomainError('FORBIDDEN', `Plant ${plant} is not in your plants.`)
  const known = await prisma.plant.findMany({ select: { code: true }, orderBy: { code: 'asc' } })
  return scopePlants(principal, plant ? [plant] : undefined, known.map((p) => p.code))
}
