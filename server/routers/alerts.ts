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
  list: plantProcedure.input(alertListFilterSchema.partial()).query(({ ctx, input }) => listAlerts(ctx, input)),
  get: plantProcedure.input(byId).query(({ ctx, input }) => getAlert(ctx, input)),
  /** The header's count; polled every 30 s. */
  firingCount: plantProcedure.query(({ ctx }) => firingCount(ctx)),
  acknowledge: operatorProcedure
    .input(alertAcknowledgeSchema)
    .mutation(({ ctx, input }) => acknowledgeAlert(ctx, input)),

  rules: router({
    list: plantProcedure.query(({ ctx }) => listRules(ctx)),
    create: adminProcedure.input(alertRuleInputSchema).mutation(({ ctx, input }) => createRule(ctx, input)),
    update: adminProcedure
      .input(z.object({ id: z.uuid(), change: alertRuleUpdateSchema }))
      .mutation(({ ctx, input }) => updateRule(ctx, input)),
    delete: adminProcedure.input(byId).mutation(({ ctx, input }) => deleteRule(ctx, input)),
  }),

  channels: router({
    list: adminProcedure.query(({ ctx }) => listChannels(ctx)),
    create: adminProcedure.input(alertChannelInputSchema).mutation(({ ctx, input }) => createChannel(ctx, input)),
    update: adminProcedure
      .input(z.object({ id: z.uuid(), change: alertChannelUpdateSchema }))
      .mutation(({ ctx, input }) => updateChannel(ctx, input)),
    delete: adminProcedure.input(byId).mutation(({ ctx, input }) => deleteChannel(ctx, input)),
    /** Queues a test notification for the worker to send; poll `deliveries` for the outcome. */
    test: adminProcedure.input(byId).mutation(({ ctx, input }) => queueTestDelivery(ctx, input)),
    deliveries: adminProcedure
      .input(z.object({ channelId: z.uuid().optional(), episodeId: z.uuid().optional(), limit: z.number().int().min(1).max(100).optional() }))
      .query(({ ctx, input }) => listDeliveries(ctx, input)),
  }),

  silences: router({
    list: plantProcedure.query(({ ctx }) => listSilences(ctx)),
    create: operatorProcedure.input(alertSilenceInputSchema).mutation(({ ctx, input }) => createSilence(ctx, input)),
    end: operatorProcedure.input(byId).mutation(({ ctx, input }) => endSilence(ctx, input)),
  }),
})
