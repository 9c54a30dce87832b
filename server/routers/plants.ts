import { z } from 'zod'
import { plantCodeSchema } from '../domain/plants'
import { getPlant, listPlants } from '../services/plants/plants'
import { authedProcedure, plantProcedure, router } from '../trpc'

export const plantsRouter = router({
  list: authedProcedure.query(({ ctx }) => listPlants(ctx)),
  get: plantProcedure.input(z.object({ plant: plantCodeSchema })).query(({ ctx, input }) => getPlant(ctx, input)),
})
