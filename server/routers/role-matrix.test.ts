import { TRPCError } from '@trpc/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Principal, Role } from '../domain/permissions'
import { startTestRuntime } from '../testing/runtime'
import { makePrincipal } from '../services/testing/principal'
import { createCallerFactory, type Context, type Meta } from '../trpc'
import type { Runtime } from '../runtime'
import { appRouter } from './app'

/**
 * Every tRPC procedure must declare who may call it (meta.access, set by the procedure ladder) and
 * must refuse everyone below that. A procedure built outside the ladder, or whose check is missing,
 * fails here. Only the procedures listed as public may answer an anonymous caller.
 */
const PUBLIC_PROCEDURES: string[] = []
const BELOW: Record<Role, Principal | null> = {
  viewer: null,
  operator: makePrincipal('viewer', ['1000']),
  admin: makePrincipal('operator', ['1000', '2000']),
}

type AnyProcedure = { _def: { meta?: Meta; type: 'query' | 'mutation' | 'subscription' } }
const procedures = Object.entries((appRouter as unknown as { _def: { procedures: Record<string, AnyProcedure> } })._def.procedures)

let runtime: Runtime
let stop: () => Promise<void>
beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
})
afterAll(() => stop())

const createCaller = createCallerFactory(appRouter)
async function call(path: string, who: Principal | null, input: unknown): Promise<unknown> {
  const ctx: Context = { runtime, principal: who, clientAddress: null }
  const caller = createCaller(ctx) as unknown as Record<string, unknown>
  const fn = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (i: unknown) => Promise<unknown>
  return fn(input)
}

async function errorCode(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise
    return null
  } catch (error) {
    return error instanceof TRPCError ? error.code : `not a TRPCError: ${String(error)}`
  }
}

describe('role matrix', () => {
  it('finds the procedures', () => {
    expect(procedures.length).toBeGreaterThan(5)
  })

  it.each(procedures)('%s declares its access through the ladder', (path, procedure) => {
    const access = procedure._def.meta?.access
    expect(access, `${path} has no meta.access: build it from the procedure ladder in server/trpc.ts`).toBeDefined()
    if (access === 'public') expect(PUBLIC_PROCEDURES).toContain(path)
  })

  it.each(procedures.filter(([path]) => !PUBLIC_PROCEDURES.includes(path)))('%s refuses anonymous callers', async (path) => {
    expect(await errorCode(call(path, null, {}))).toBe('UNAUTHORIZED')
  })

  it.each(procedures.filter(([, p]) => p._def.meta?.access === 'operator' || p._def.meta?.access === 'admin'))(
    '%s refuses the role below it',
    async (path, procedure) => {
      const below = BELOW[procedure._def.meta!.access as Role]
      expect(await errorCode(call(path, below, {}))).toBe('FORBIDDEN')
    },
  )

  it('refuses a plant outside the caller’s scope', async () => {
    const viewer = makePrincipal('viewer', ['1000'])
    expect(await errorCode(call('plants.get', viewer, { plant: '2000' }))).toBe('FORBIDDEN')
    expect(await errorCode(call('overview.hopCounts', viewer, { plants: ['1000', '2000'] }))).toBe('FORBIDDEN')
    await expect(call('plants.get', viewer, { plant: '1000' })).resolves.toMatchObject({ code: '1000' })
  })

  it('lists only the plants in scope', async () => {
    const operator = makePrincipal('operator', ['1000', '2000'])
    const plants = (await call('plants.list', operator, undefined)) as { code: string }[]
    expect(plants.map((p) => p.code)).toEqual(['1000', '2000'])
    const counts = (await call('overview.hopCounts', operator, {})) as { plants: { plant: string }[] }
    expect(counts.plants.map((p) => p.plant)).toEqual(['1000', '2000'])
  })
})
