import { z } from 'zod'
import { PREVIEW_MAX, previewTap } from '../services/taps/preview'
import { createTap, deleteTap, getTap, listTaps, resumeTap, setTapEnabled, updateTap } from '../services/taps/taps'
import { adminProcedure, router } from '../trpc'

/** A tap's name as callers send it: bounded text, so an unknown one is a 404, never a store error. */
const name = z.string().min(1).max(100)
/** The definition is checked by the service with the worker's schema and compiler, so its message names each wrong field. */
const definition = z.record(z.string(), z.unknown())
const byName = z.object({ name })

export const tapsRouter = router({
  list: adminProcedure.query(({ ctx }) => listTaps(ctx)),
  get: adminProcedure.input(byName).query(({ ctx, input }) => getTap(ctx, input)),
  /** The editor creates taps disabled: enabling is its own step, after a preview. */
  create: adminProcedure.input(z.object({ definition })).mutation(({ ctx, input }) => createTap(ctx, { definition: input.definition, enabled: false })),
  update: adminProcedure.input(z.object({ name, definition, baseUpdatedAt: z.date().nullable().optional() })).mutation(({ ctx, input }) => updateTap(ctx, input)),
  enable: adminProcedure.input(byName).mutation(({ ctx, input }) => setTapEnabled(ctx, { name: input.name, enabled: true })),
  disable: adminProcedure.input(byName).mutation(({ ctx, input }) => setTapEnabled(ctx, { name: input.name, enabled: false })),
  delete: adminProcedure.input(byName).mutation(({ ctx, input }) => deleteTap(ctx, input)),
  resume: adminProcedure.input(byName).mutation(({ ctx, input }) => resumeTap(ctx, input)),
  /** Reads the bus (on Kafka a few seconds): slow, and a mutation because an unsaved definition is too large for a URL. */
  preview: adminProcedure
    .meta({ access: 'admin', slow: true })
    .input(z.object({ name: name.optional(), definition: definition.optional(), limit: z.number().int().min(1).max(PREVIEW_MAX).optional() }))
    .mutation(({ ctx, input }) => previewTap(ctx, input)),
})
