import type { inferRouterOutputs } from '@trpc/server'
import type { AppRouter } from '@/server/routers/app'

/** The trace view's data as the traces.get procedure returns it. */
export type TraceData = inferRouterOutputs<AppRouter>['traces']['get']
export type TraceHop = TraceData['hops'][number]
