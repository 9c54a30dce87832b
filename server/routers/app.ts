import { router } from '../trpc'
import { adminRouter } from './admin'
import { alertsRouter } from './alerts'
import { deadLettersRouter } from './dead-letters'
import { kpisRouter } from './kpis'
import { meRouter } from './me'
import { overviewRouter } from './overview'
import { plantsRouter } from './plants'
import { reconciliationRouter } from './reconciliation'
import { replaysRouter } from './replays'
import { systemRouter } from './system'
import { tapsRouter } from './taps'
import { tracesRouter } from './traces'

export const appRouter = router({
  me: meRouter,
  plants: plantsRouter,
  overview: overviewRouter,
  replays: replaysRouter,
  deadLetters: deadLettersRouter,
  admin: adminRouter,
  alerts: alertsRouter,
  kpis: kpisRouter,
  system: systemRouter,
  traces: tracesRouter,
  reconciliation: reconciliationRouter,
  taps: tapsRouter,
})

export type AppRouter = typeof appRouter
