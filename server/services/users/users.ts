import { randomUUID } from 'node:crypto'
import { hashPassword } from 'better-auth/crypto'
import { z } from 'zod'
import type { PrismaClient } from '../../db/client'
import { ROLES, type Role } from '../../domain/permissions'
import type { Ctx } from '../../context/ctx'
import { generateToken } from '../../auth/api-tokens'
import { audit, type AuditCtx } from '../audit/audit'
import { DomainError } from '../../domain/errors'
import type { ApiTokenScope } from '../../domain/token-scopes'


export const passwordSchema = z.string().min(10, 'a password needs at least 10 characters').max(128)
export const newUserSchema = z.object({
  email: z.email('enter a valid email address').transform((e) => e.toLowerCase()),
  name: z.string().trim().min(1, 'a name is required').max(100),
  password: passwordSchema,
  role: z.enum(ROLES),
  plants: z.array(z.string()).default([]),
})
export type NewUser = z.input<typeof newUserSchema>

export interface UserView {
  id: string
  email: string
  name: string
  role: Role
  disabled: boolean
  plants: string[]
  createdAt: Date
}

const userInclude = { plantScopes: { select: { plantCode: true }, orderBy: { plantCode: 'asc' } } } as const

function view(user: {
  id: string
  email: string
  name: string
  role: string
  disabled: boolean
  createdAt: Date
  plantScopes: { plantCode: string }[]
}): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role as Role,
    disabled: user.disabled,
    plants: user.plantScopes.map((s) => s.plantCode),
    createdAt: user.createdAt,
  }
}

async function assertPlantsExist(prisma: PrismaClient, plants: string[]) {
  if (plants.length === 0) return
  const found = await prisma.plant.findMany({ where: { code: { in: plants } }, select: { code: true } })
  const missing = plants.filter((p) => !found.some((f) => f.code === p))
  if (missing.length) throw new DomainError('BAD_REQUEST', `Unknown plant ${missing.join(', ')}: create the plant first or pick one from the list.`)
}

export async function listUsers({ db }: Pick<Ctx, 'db'>): Promise<UserView[]> {
  const users = await db.user.findMany({ include: userInclude, orderBy: { email: 'asc' } })
  return users.map(view)
}

/** Creates a password user. Credentials are stored the way better-auth verifies them at login. */
export async function createUser(ctx: AuditCtx, input: NewUser): Promise<UserView> {
  const data = newUserSchema.parse(input)
  await assertPlantsExist(ctx.db, data.plants)
  if (await ctx.db.user.findUnique({ where: { email: data.email } }))
    throw new DomainError('CONFLICT', `A user with email ${data.email} already exists.`)
  const id = randomUUID()
  const passwordHash = await hashPassword(data.password)
  return ctx.db.$transaction(async (tx) => {
    const user = await tx.user.create({
      data: {
        id,
        email: data.email,
        name: data.name,
        role: data.role,
        emailVerified: true,
        accounts: { create: { id: randomUUID(), accountId: id, providerId: 'credential', password: passwordHash } },
        plantScopes: { create: data.role === 'admin' ? [] : data.plants.map((plantCode) => ({ plantCode })) },
      },
      include: userInclude,
    })
    const created = view(user)
    await audit(tx, { actor: ctx.principal, action: 'user.create', targetType: 'user', targetId: id, after: created })
    return created
  })
}

export const userUpdateSchema = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  role: z.enum(ROLES).optional(),
  disabled: z.boolean().optional(),
  plants: z.array(z.string()).optional(),
})

export async function updateUser(ctx: AuditCtx, { id, change }: { id: string; change: z.infer<typeof userUpdateSchema> }): Promise<UserView> {
  const actor = ctx.principal
  const before = await ctx.db.user.findUnique({ where: { id }, include: userInclude })
  if (!before) throw new DomainError('NOT_FOUND', 'That user no longer exists; reload the list.')
  if (id === actor.userId && (change.role && change.role !== 'admin' || change.disabled))
    throw new DomainError('BAD_REQUEST', 'You cannot demote or disable yourself; ask another admin.')
  if (change.plants) await assertPlantsExist(ctx.db, change.plants)
  return ctx.db.$transaction(async (tx) => {
    await tx.user.update({ where: { id }, data: { name: change.name, role: change.role, disabled: change.disabled } })
    if (change.plants) {
      await tx.userPlantScope.deleteMany({ where: { userId: id } })
      await tx.userPlantScope.createMany({ data: change.plants.map((plantCode) => ({ userId: id, plantCode })) })
    }
    // A disabled user is logged out everywhere at once.
    if (change.disabled) await tx.session.deleteMany({ where: { userId: id } })
    const after = await tx.user.findUniqueOrThrow({ where: { id }, include: userInclude })
    await audit(tx, { actor, action: 'user.update', targetType: 'user', targetId: id, before: view(before), after: view(after) })
    return view(after)
  })
}

export async function resetPassword(ctx: AuditCtx, { id, password }: { id: string; password: string }): Promise<void> {
  const actor = ctx.principal
  const hash = await hashPassword(passwordSchema.parse(password))
  await ctx.db.$transaction(async (tx) => {
    const updated = await tx.account.updateMany({ where: { userId: id, providerId: 'credential' }, data: { password: hash } })
    if (updated.count === 0) throw new DomainError('NOT_FOUND', 'That user has no password login.')
    const ended = await tx.session.deleteMany({ where: { userId: id } })
    // Never the password or its hash: the entry records that it changed and which sessions it ended.
    await audit(tx, {
      actor,
      action: 'user.password_reset',
      targetType: 'user',
      targetId: id,
      before: { password: 'old', sessions: ended.count },
      after: { password: 'reset', sessions: 0 },
    })
  })
}

export async function createApiToken(
  ctx: AuditCtx,
  input: { userId: string; name: string; expiresInDays?: number; scopes?: ApiTokenScope[] },
): Promise<{ id: string; token: string; prefix: string }> {
  const { token, prefix, tokenHash } = generateToken()
  const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null
  const scopes = [...new Set(input.scopes ?? [])]
  if (!(await ctx.db.user.findUnique({ where: { id: input.userId }, select: { id: true } })))
    throw new DomainError('NOT_FOUND', 'That user no longer exists; reload the list.')
  return ctx.db.$transaction(async (tx) => {
    const row = await tx.apiToken.create({ data: { name: input.name, prefix, tokenHash, userId: input.userId, expiresAt, scopes } })
    await audit(tx, { actor: ctx.principal, action: 'api_token.create', targetType: 'api_token', targetId: row.id, after: { name: input.name, prefix, userId: input.userId, expiresAt, scopes } })
    return { id: row.id, token, prefix }
  })
}

export async function listApiTokens({ db }: Pick<Ctx, 'db'>) {
  return db.apiToken.findMany({
    select: { id: true, name: true, prefix: true, scopes: true, createdAt: true, lastUsedAt: true, expiresAt: true, revokedAt: true, user: { select: { email: true } } },
    orderBy: { createdAt: 'desc' },
  })
}

export async function revokeApiToken(ctx: AuditCtx, { id }: { id: string }): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const before = await tx.apiToken.findUnique({ where: { id }, select: { revokedAt: true } })
    if (!before) throw new DomainError('NOT_FOUND', 'That token no longer exists; reload the list.')
    const row = await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() } })
    await audit(tx, {
      actor: ctx.principal,
      action: 'api_token.revoke',
      targetType: 'api_token',
      targetId: id,
      before: { name: row.name, prefix: row.prefix, revokedAt: before.revokedAt },
      after: { name: row.name, prefix: row.prefix, revokedAt: row.revokedAt },
    })
  })
}
