import { z } from 'zod'
import { resolveRange } from '../domain/time-range'
import { MAX_SEARCH_LENGTH } from '../domain/trace-search'
import { TXN_STATES } from '../domain/txn-state'
import { searchTraces } from '../services/traces/search'
import { getHopPayload, getTrace } from '../services/traces/trace'
import { authedProcedure, plantProcedure, router } from '../trpc'
import { rangeInput } from './overview'

const correlationId = z.string().trim().min(1).max(128)

/** The search as the URL has it (see components/traces/search-state.ts). */
export const traceSearchInput = rangeInput.extend({
  q: z.string().max(MAX_SEARCH_LENGTH).nullish(),
  flow: z.array(z.string().max(64)).max(20).nullish(),
  status: z.array(z.enum(TXN_STATES)).max(TXN_STATES.length).nullish(),
  line: z.string().max(64).nullish(),
  cursor: z.string().max(1024).nullish(),
  limit: z.number().int().min(1).max(500).nullish(),
})

export const tracesRouter = router({
  /** Transactions matching the search box and filters, in the caller's plants, newest first. */
  search: plantProcedure
    .meta({ access: 'viewer', slow: true })
    .input(traceSearchInput)
    .query(async ({ ctx, input }) => {
      const { from, to } = resolveRange(input)
      const result = await searchTraces(ctx, {
        q: input.q,
        flows: input.flow ?? undefined,
        states: input.status ?? undefined,
        lines: input.line ? [input.line] : undefined,
        from,
        to,
        cursor: input.cursor,
        limit: input.limit ?? 50,
      })
      return { ...result, from, to }
    }),

  /** One transaction's hops; FORBIDDEN when it belongs to a plant outside the caller's scope. */
  get: authedProcedure
    .meta({ access: 'viewer', slow: true })
    .input(z.object({ correlationId, t: z.string().max(40).nullish() }))
    .query(({ ctx, input }) => getTrace(ctx, input)),

  /** One hop's payload, read when a person opens the hop. */
  payload: authedProcedure
    .meta({ access: 'viewer', slow: true })
    .input(z.object({ correlationId, eventId: z.string().min(1).max(128), t: z.string().min(1).max(40) }))
    .query(({ ctx, input }) => getHopPayload(ctx, input)),
})
