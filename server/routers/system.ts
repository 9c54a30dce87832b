import { ingestHealth } from '../services/system/ingest'
import { authedProcedure, router } from '../trpc'

export const systemRouter = router({
  /** The header's freshness indicator: how far behind the newest ingested event is, and the lag. */
  ingest: authedProcedure.query(({ ctx }) => ingestHealth(ctx)),
})
