import { z } from 'zod'
import { plantCodeSchema } from '@/server/domain/plants'
import { restHandler } from '@/server/rest/handler'
import { getPlant, listPlants } from '@/server/services/plants/plants'

export const dynamic = 'force-dynamic'

const query = z.object({ plant: plantCodeSchema.optional() })

/** GET /api/v1/plants[?plant=CODE]: the plants the token may see; naming one outside its scope is 403. */
export const GET = restHandler({ role: 'viewer', query }, async (ctx, { query: { plant } }) => ({
  plants: plant ? [await getPlant(ctx, { plant })] : await listPlants(ctx),
}))
