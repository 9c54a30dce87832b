import { z } from 'zod'
import { plantCodeSchema } from '../domain/plants'
import { plantUpdateSchema, updatePlant } from '../services/plants'
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
} from '../services/users'
import { adminProcedure, router } from '../trpc'
import { API_TOKEN_SCOPES, apiTokenScopeSchema } from '../domain/token-scopes'

export const adminRouter = router({
  users: router({
    list: adminProcedure.query(({ ctx }) => listUsers(ctx.runtime.db.prisma)),
    create: adminProcedure.input(newUserSchema).mutation(({ ctx, input }) => createUser(ctx.runtime.db.prisma, ctx.principal, input)),
    update: adminProcedure
      .input(z.object({ id: z.string(), change: userUpdateSchema }))
      .mutation(({ ctx, input }) => updateUser(ctx.runtime.db.prisma, ctx.principal, input.id, input.change)),
    resetPassword: adminProcedure
      .input(z.object({ id: z.string(), password: passwordSchema }))
      .mutation(({ ctx, input }) => resetPassword(ctx.runtime.db.prisma, ctx.principal, input.id, input.password)),
  }),
  tokens: router({
    list: adminProcedure.query(({ ctx }) => listApiTokens(ctx.runtime.db.prisma)),
    create: adminProcedure
      .input(
        z.object({
          userId: z.string(),
          name: z.string().trim().min(1).max(60),
          expiresInDays: z.number().int().min(1).max(730).optional(),
          scopes: z.array(apiTokenScopeSchema).max(API_TOKEN_SCOPES.length).optional(),
        }),
      )
      .mutation(({ ctx, input }) => createApiToken(ctx.runtime.db.prisma, ctx.principal, input)),
    revoke: adminProcedure.input(z.object({ id: z.string() })).mutation(({ ctx, input }) => revokeApiToken(ctx.runtime.db.prisma, ctx.principal, input.id)),
  }),
  plants: router({
    update: adminProcedure
      .input(z.object({ code: plantCodeSchema, change: plantUpdateSchema }))
      .mutation(({ ctx, input }) => updatePlant(ctx.runtime.db.prisma, ctx.principal, input.code, input.change)),
  }),
  audit: router({
    list: adminProcedure
      .input(z.object({ cursor: z.string().optional(), limit: z.number().int().min(1).max(200).default(50) }))
      .query(async ({ ctx, input }) => {
        const rows = await ctx.runtime.db.prisma.auditLog.findMany({
          orderBy: { id: 'desc' },
          take: input.limit + 1,
          ...(input.cursor ? { cursor: { id: BigInt(input.cursor) }, skip: 1 } : {}),
        })
        const page = rows.slice(0, input.limit)
        return {
          items: page.map((r) => ({ ...r, id: r.id.toString() })),
          nextCursor: rows.length > input.limit ? page.at(-1)?.id.toString() : undefined,
        }
      }),
  }),
})
