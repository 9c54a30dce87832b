import { z } from 'zod'
import { plantCodeSchema } from '@/server/domain/plants'
import { restHandler } from '@/server/rest'
import { getPlant, listPlants } from '@/server/services/plants'

export const dynamic = 'force-dynamic'

const query = z.object({ plant: plantCodeSchema.optional() })

/** GET /api/v1/plants[?plant=CODE]: the plants the token may see; naming one outside its scope is 403. */
export const GET = restHandler('v1.plants', 'viewer', async ({ runtime, principal, url }) => {
  const { plant } = query.parse(Object.fromEntries(url.searchParams))
  const prisma = runtime.db.prisma
  const plants = plant ? [await getPlant(prisma, principal, plant)] : await listPlants(prisma, principal)
  return { plants }
})
