import { z } from 'zod'
import {
  alertAcknowledgeSchema,
  alertChannelInputSchema,
  alertChannelUpdateSchema,
  alertListFilterSchema,
  alertRuleInputSchema,
  alertRuleUpdateSchema,
  alertSilenceInputSchema,
} from '../domain/alerts'
import { createChannel, deleteChannel, listChannels, listDeliveries, queueTestDelivery, updateChannel } from '../services/alerts/channels'
import { acknowledgeAlert, firingCount, getAlert, listAlerts } from '../services/alerts/inbox'
import { createRule, deleteRule, listRules, updateRule } from '../services/alerts/rules'
import { createSilence, endSilence, listSilences } from '../services/alerts/silences'
import { adminProcedure, operatorProcedure, plantProcedure, router } from '../trpc'

const byId = z.object({ id: z.uuid('must be an id') })

/**
 * Alerts: the inbox (viewers see their plants' alerts; operators acknowledge), rules (admins edit),
 * channels (admins; URLs never returned), silences and maintenance windows (operators, own plants).
 * All of it is Postgres: fast, batched with the other fast queries.
 */
export const alertsRouter = router({
  list: plantProcedure.input(alertListFilterSchema.partial()).query(({ ctx, input }) => listAlerts(ctx.runtime.db.prisma, ctx.scope, input)),
  get: plantProcedure.input(byId).query(({ ctx, input }) => getAlert(ctx.runtime.db.prisma, ctx.principal, input.id)),
  /** The header's count; polled every 30 s. */
  firingCount: plantProcedure.query(({ ctx }) => firingCount(ctx.runtime.db.prisma, ctx.scope)),
  acknowledge: operatorProcedure
    .input(alertAcknowledgeSchema)
    .mutation(({ ctx, input }) => acknowledgeAlert(ctx.runtime.db.prisma, ctx.principal, input, ctx.ip)),

  rules: router({
    list: plantProcedure.query(({ ctx }) => listRules(ctx.runtime.db.prisma, ctx.scope)),
    create: adminProcedure.input(alertRuleInputSchema).mutation(({ ctx, input }) => createRule(ctx.runtime.db.prisma, ctx.principal, input)),
    update: adminProcedure
      .input(z.object({ id: z.uuid(), change: alertRuleUpdateSchema }))
      .mutation(({ ctx, input }) => updateRule(ctx.runtime.db.prisma, ctx.principal, input.id, input.change)),
    delete: adminProcedure.input(byId).mutation(({ ctx, input }) => deleteRule(ctx.runtime.db.prisma, ctx.principal, input.id)),
  }),

  channels: router({
    list: adminProcedure.query(({ ctx }) => listChannels(ctx.runtime.db.prisma)),
    create: adminProcedure.input(alertChannelInputSchema).mutation(({ ctx, input }) => createChannel(ctx.runtime.db.prisma, ctx.principal, input)),
    update: adminProcedure
      .input(z.object({ id: z.uuid(), change: alertChannelUpdateSchema }))
      .mutation(({ ctx, input }) => updateChannel(ctx.runtime.db.prisma, ctx.principal, input.id, input.change)),
    delete: adminProcedure.input(byId).mutation(({ ctx, input }) => deleteChannel(ctx.runtime.db.prisma, ctx.principal, input.id)),
    /** Queues a test notification for the worker to send; poll `deliveries` for the outcome. */
    test: adminProcedure.input(byId).mutation(({ ctx, input }) => queueTestDelivery(ctx.runtime.db.prisma, input.id)),
    deliveries: adminProcedure
      .input(z.object({ channelId: z.uuid().optional(), episodeId: z.uuid().optional(), limit: z.number().int().min(1).max(100).optional() }))
      .query(({ ctx, input }) => listDeliveries(ctx.runtime.db.prisma, input)),
  }),

  silences: router({
    list: plantProcedure.query(({ ctx }) => listSilences(ctx.runtime.db.prisma, ctx.scope)),
    create: operatorProcedure.input(alertSilenceInputSchema).mutation(({ ctx, input }) => createSilence(ctx.runtime.db.prisma, ctx.principal, input)),
    end: operatorProcedure.input(byId).mutation(({ ctx, input }) => endSilence(ctx.runtime.db.prisma, ctx.principal, input.id)),
  }),
})
