import { z } from 'zod'
import { plantCodeSchema } from '../domain/plants'
import { listAuditLog } from '../services/audit/audit'
import { getOtlpMapping, saveOtlpMapping } from '../services/otlp/mapping'
import { otlpServices } from '../services/otlp/services'
import { plantUpdateSchema, updatePlant } from '../services/plants/plants'
import {
  createApiToken,
  createUser,
  listApiTokens,
  listUsers,
  newUserSchema,
  passwordSchema,
  resetPassword,
  revokeApiToken,
  updateUser,
  userUpdateSchema,
} from '../services/users/users'
import { adminProcedure, router } from '../trpc'
import { API_TOKEN_SCOPES, apiTokenScopeSchema } from '../domain/token-scopes'

/** Ids of users and tokens (UUIDs, better-auth ids): bounded text, so a wrong one is a 404, never a store error. */
const id = z.string().min(1).max(64)
/** The audit log's cursor is a row number (a BigInt id): anything else is a 400, not a failed BigInt conversion. */
const auditCursor = z.string().regex(/^\d{1,19}$/, 'must be the nextCursor of the previous page')

export const adminRouter = router({
  users: router({
    list: adminProcedure.query(({ ctx }) => listUsers(ctx)),
    create: adminProcedure.input(newUserSchema).mutation(({ ctx, input }) => createUser(ctx, input)),
    update: adminProcedure.input(z.object({ id, change: userUpdateSchema })).mutation(({ ctx, input }) => updateUser(ctx, input)),
    resetPassword: adminProcedure.input(z.object({ id, password: passwordSchema })).mutation(({ ctx, input }) => resetPassword(ctx, input)),
  }),
  tokens: router({
    list: adminProcedure.query(({ ctx }) => listApiTokens(ctx)),
    create: adminProcedure
      .input(
        z.object({
          userId: id,
          name: z.string().trim().min(1).max(60),
          expiresInDays: z.number().int().min(1).max(730).optional(),
          scopes: z.array(apiTokenScopeSchema).max(API_TOKEN_SCOPES.length).optional(),
        }),
      )
      .mutation(({ ctx, input }) => createApiToken(ctx, input)),
    revoke: adminProcedure.input(z.object({ id })).mutation(({ ctx, input }) => revokeApiToken(ctx, input)),
  }),
  plants: router({
    update: adminProcedure.input(z.object({ code: plantCodeSchema, change: plantUpdateSchema })).mutation(({ ctx, input }) => updatePlant(ctx, input)),
  }),
  otlp: router({
    mapping: adminProcedure.query(({ ctx }) => getOtlpMapping(ctx)),
    /** `config` is checked by the service with the worker's own schema, so its message names each wrong field. */
    saveMapping: adminProcedure
      .input(z.object({ config: z.record(z.string(), z.unknown()), baseUpdatedAt: z.date().nullable() }))
      .mutation(({ ctx, input }) => saveOtlpMapping(ctx, input)),
    services: adminProcedure.meta({ access: 'admin', slow: true }).query(({ ctx }) => otlpServices(ctx)),
  }),
  audit: router({
    list: adminProcedure
      .input(z.object({ cursor: auditCursor.optional(), limit: z.number().int().min(1).max(200).default(50) }))
      .query(({ ctx, input }) => listAuditLog(ctx, input)),
  }),
})
