import { router } from '../trpc'
import { adminRouter } from './admin'
import { alertsRouter } from './alerts'
import { kpisRouter } from './kpis'
import { meRouter } from './me'
import { overviewRouter } from './overview'
import { plantsRouter } from './plants'
import { replaysRouter } from './replays'
import { systemRouter } from './system'

export const appRouter = router({
  me: meRouter,
  plants: plantsRouter,
  overview: overviewRouter,
  replays: replaysRouter,
  admin: adminRouter,
  alerts: alertsRouter,
  kpis: kpisRouter,
  system: systemRouter,
})

export type AppRouter = typeof appRouter
