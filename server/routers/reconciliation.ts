import { z } from 'zod'
import { plantCodeSchema } from '../domain/plants'
import { RECON_KINDS } from '../domain/reconciliation'
import { resolveRange } from '../domain/time-range'
import { POSTING_FLOWS } from '../domain/txn-state'
import { RECON_PAGE_MAX, reconciliationSummary, reconciliationTransactions } from '../services/reconciliation/reconciliation'
import { plantProcedure, router } from '../trpc'
import { rangeInput } from './overview'

const reconInput = rangeInput.extend({
  plant: plantCodeSchema,
  flows: z.array(z.enum(POSTING_FLOWS)).max(POSTING_FLOWS.length).optional(),
})

/** The Reconciliation view of one plant (app/(console)/plants/[plant]/reconciliation). */
export const reconciliationRouter = router({
  /** Per plant-local day and flow: source transactions and quantities against ERP postings, and the differences counted. */
  summary: plantProcedure
    .meta({ access: 'viewer', slow: true })
    .input(reconInput)
    .query(({ ctx, input }) => reconciliationSummary(ctx, { plant: input.plant, flows: input.flows, ...resolveRange(input) })),

  /** The transactions that differ, newest first, one page per cursor. */
  transactions: plantProcedure
    .meta({ access: 'viewer', slow: true })
    .input(
      reconInput.extend({
        kinds: z.array(z.enum(RECON_KINDS)).max(RECON_KINDS.length).optional(),
        cursor: z.string().max(512).nullish(),
        limit: z.number().int().min(1).max(RECON_PAGE_MAX).optional(),
      }),
    )
    .query(({ ctx, input }) =>
      reconciliationTransactions(ctx, { plant: input.plant, flows: input.flows, kinds: input.kinds, cursor: input.cursor, limit: input.limit, ...resolveRange(input) }),
    ),
})
