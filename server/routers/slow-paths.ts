import type { Meta } from '../trpc'
import { appRouter } from './app'

type ProcedureRecord = Record<string, { _def: { meta?: Meta } }>

/**
 * The paths of the procedures whose meta says `slow: true` (they read slow ClickHouse queries).
 * The console's client sends them unbatched, so a fast Postgres query never waits for them; the
 * list comes from the routers, so declaring a procedure slow is the only step.
 */
export function slowProcedurePaths(): string[] {
  const procedures = (appRouter as unknown as { _def: { procedures: ProcedureRecord } })._def.procedures
  return Object.entries(procedures)
    .filter(([, procedure]) => procedure._def.meta?.slow === true)
    .map(([path]) => path)
    .sort()
}
