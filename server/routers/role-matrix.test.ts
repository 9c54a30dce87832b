import { fileURLToPath } from 'node:url'
import { TRPCError } from '@trpc/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Principal } from '../domain/permissions'
import { startTestRuntime } from '../testing/runtime'
import { createCallerFactory, type Context, type Meta } from '../trpc'
import { appRouter } from './app'
import { restCallers, trpcCallers, type RestCaller } from './role-matrix/callers'
import { callRoute, leaks, matches, mentionsPlant, mismatches, omitPlant, routeMethods, statusCode, type Answer, type RouteMethod } from './role-matrix/drive'
import { expectedOutcome, type Caller, type RestCall } from './role-matrix/expectations'
import { PROCEDURES } from './role-matrix/procedures'
import { ROUTES } from './role-matrix/routes'
import { BOOTSTRAP_TOKEN, buildWorld, IN, OUT, seedOutsidePlant, type World } from './role-matrix/world'

/**
 * The role matrix: every tRPC procedure and every REST route × method, called by every kind of caller
 * (anonymous, each role, tokens with and without scopes) about a plant in the caller's scope and one
 * outside it, against the expected outcome the tables in role-matrix/ give (least role, where the
 * plant comes from; the vocabulary is in role-matrix/expectations.ts). Allowed means the call
 * succeeds (or answers a code the entry lists as passing the gate); denied means 401, 403, or for a
 * plant outside the scope 403 or 404. Calls that name no plant must answer nothing of another plant.
 */

type AnyProcedure = { _def: { meta?: Meta; type: 'query' | 'mutation' | 'subscription' } }
const routerProcedures = (appRouter as unknown as { _def: { procedures: Record<string, AnyProcedure> } })._def.procedures
const createCaller = createCallerFactory(appRouter)
/** A server-side caller of appRouter for the principal, as the tRPC route builds it for a request. */
const callerOf = (w: World, principal: Principal | null) => createCaller({ runtime: w.runtime, principal, clientAddress: null } satisfies Context)

/** Calls the procedure at `path` as the caller; a TRPCError becomes its code. */
async function callProcedure(w: World, path: string, caller: Caller, input: unknown): Promise<Answer> {
  const node = path.split('.').reduce<unknown>((n, key) => (n as Record<string, unknown>)[key], callerOf(w, caller.principal))
  try {
    const result = await (node as (i: unknown) => Promise<unknown>)(input)
    return { ok: true, text: JSON.stringify(result ?? null, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) }
  } catch (error) {
    if (error instanceof TRPCError) return { ok: false, code: error.code, message: error.message }
    return { ok: false, code: 'NOT_A_TRPC_ERROR', message: String(error) }
  }
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const procedurePaths = Object.keys(routerProcedures).sort()
// Route modules are found on disk at collection time, so each gets its own test.
const routes: RouteMethod[] = await routeMethods(repoRoot)

let world: World
let rest: RestCaller[]
let stop: () => Promise<void>
beforeAll(async () => {
  const started = await startTestRuntime({ ADMIN_API_TOKEN: BOOTSTRAP_TOKEN })
  stop = started.stop
  world = await buildWorld(started.runtime)
  await seedOutsidePlant(world)
  rest = await restCallers(world)
  // One runtime for ~1,000 cells: the start (migrations, demo users, a real sign-in, a token per
  // role) is the slow part, and on a loaded machine it outlasts the default hook timeout.
}, 300_000)
afterAll(() => stop?.())

describe('tRPC role matrix', () => {
  it('has an entry for every procedure of appRouter, and none for a procedure that is gone', () => {
    const missing = procedurePaths.filter((p) => !(p in PROCEDURES))
    const stale = Object.keys(PROCEDURES).filter((p) => !(p in routerProcedures))
    expect(
      missing.map((p) => `add to server/routers/role-matrix/procedures.ts: '${p}': ${routerProcedures[p]!._def.type}('<least role>', '<none|argument|record|payload>', (w, plant) => <input>),`),
    ).toEqual([])
    expect(stale.map((p) => `remove '${p}' from server/routers/role-matrix/procedures.ts: appRouter has no such procedure`)).toEqual([])
  })

  it('opens no mutation to viewers or anonymous callers', () => {
    const open = Object.entries(PROCEDURES).filter(([, e]) => e.type === 'mutation' && (e.access === 'viewer' || e.access === 'public'))
    expect(open.map(([p, e]) => `${p} is a mutation open to ${e.access}`)).toEqual([])
  })

  it('judges answers strictly: a wrong plant or role that gets through is a mismatch', () => {
    const operatorOnly = { access: 'operator', plant: 'record' } as const
    const viewer = trpcCallers(world)[1]!
    const operator = trpcCallers(world)[2]!
    expect(expectedOutcome(operatorOnly, viewer, IN)).toBe('forbidden')
    expect(expectedOutcome(operatorOnly, operator, OUT)).toBe('outside-scope')
    expect(expectedOutcome({ access: 'operator', plant: 'none' }, operator, OUT)).toBe('allowed')
    expect(matches('outside-scope', { ok: true, text: '' })).toBe(false)
    expect(matches('forbidden', { ok: false, code: 'NOT_FOUND', message: '' })).toBe(false)
    expect(matches('allowed', { ok: false, code: 'NOT_FOUND', message: '' })).toBe(false)
    expect(matches('allowed', { ok: false, code: 'CONFLICT', message: '' }, ['CONFLICT'])).toBe(true)
  })

  it('sees another plant’s data where the caller may: the leak check can fail', async () => {
    const admin = trpcCallers(world)[3]!
    const records = await callProcedure(world, 'deadLetters.records', admin, {})
    expect(records.ok && mentionsPlant(records.text, OUT), JSON.stringify(records).slice(0, 300)).toBe(true)
    expect(mentionsPlant('plant,line\n2000,L01\n', OUT) && !mentionsPlant('{"total":2000}', OUT)).toBe(true)
  })

  it('lists only the plants in the caller’s scope when the call names none', async () => {
    const operator = callerOf(world, { ...world.users.operator.principal, plants: [IN, OUT] })
    expect((await operator.plants.list()).map((p) => p.code)).toEqual([IN, OUT])
    const counts = await operator.overview.hopCounts({})
    expect(counts.plants.map((p) => p.plant)).toEqual([IN, OUT])
  })

  describe.each(procedurePaths.filter((p) => p in PROCEDURES))('%s', (path) => {
    const entry = PROCEDURES[path]!
    const procedure = routerProcedures[path]!

    it('is what the table says (query or mutation, declared access)', () => {
      expect(procedure._def.type, `${path} is a ${procedure._def.type}; the table says ${entry.type}`).toBe(entry.type)
      expect(procedure._def.meta?.access, `${path} declares access ${procedure._def.meta?.access}; the table says ${entry.access}`).toBe(entry.access)
    })

    it(`refuses or allows each caller and plant as the table says (least role ${entry.access}, plant from ${entry.plant})`, async () => {
      const wrong = await mismatches(entry, trpcCallers(world), {
        mutates: entry.type === 'mutation',
        passes: entry.passes ?? [],
        input: async (plant) => entry.input(world, plant),
        call: (caller, input) => callProcedure(world, path, caller, input),
      })
      expect(wrong, `${path}:\n  ${wrong.join('\n  ')}`).toEqual([])
    })

    if (entry.plant === 'argument')
      it('answers nothing of another plant when the call names none', async () => {
        const wrong = await leaks(entry, trpcCallers(world), async () => omitPlant(await entry.input(world, IN)), (caller, input) => callProcedure(world, path, caller, input))
        expect(wrong, `${path}:\n  ${wrong.join('\n  ')}`).toEqual([])
      })
  })
})

describe('REST role matrix', () => {
  it('finds the routes on disk', () => {
    expect(routes.map((r) => r.key)).toContain('GET /api/v1/traces')
  })

  it('has an entry for every route and method under app/api, and none for one that is gone', () => {
    const keys = routes.map((r) => r.key)
    const missing = keys.filter((k) => !(k in ROUTES))
    const stale = Object.keys(ROUTES).filter((k) => !keys.includes(k))
    expect(missing.map((k) => `add to server/routers/role-matrix/routes.ts: '${k}': route('<least role>', '<none|argument|record|payload>', (w, plant) => ({ params, query, body })),`)).toEqual([])
    expect(stale.map((k) => `remove '${k}' from server/routers/role-matrix/routes.ts: no such route.ts export`)).toEqual([])
  })

  it('changes nothing for viewers or anonymous callers (every method but GET needs a role above viewer, a scope, or is sign-in)', () => {
    // Two public exceptions: signing in, and the catch-all that answers every unknown API path 404.
    const open = Object.entries(ROUTES).filter(
      ([k, e]) => !k.startsWith('GET ') && (e.access === 'viewer' || (e.access === 'public' && !k.startsWith('POST /api/auth/') && !k.endsWith(' /api/v1/[...rest]'))),
    )
    expect(open.map(([k, e]) => `${k} is open to ${e.access}`)).toEqual([])
  })

  describe.each(routes.filter((r) => r.key in ROUTES).map((r) => [r.key, r] as const))('%s', (key, route) => {
    const entry = ROUTES[key]!
    it(`refuses or allows each caller and plant as the table says (least role ${entry.access}, plant from ${entry.plant})`, async () => {
      const wrong = await mismatches(entry, rest, {
        mutates: route.method !== 'GET',
        passes: (entry.passes ?? []).map(statusCode),
        input: async (plant) => entry.request(world, plant),
        call: (caller, call) => callRoute(route, caller as RestCaller, call),
      })
      expect(wrong, `${key}:\n  ${wrong.join('\n  ')}`).toEqual([])
    })

    if (entry.plant === 'argument')
      it('answers nothing of another plant when the request names none', async () => {
        const unnamed = async (): Promise<RestCall> => {
          const call = await entry.request(world, IN)
          return { ...call, query: omitPlant(call.query) }
        }
        const wrong = await leaks(entry, rest, unnamed, (caller, call) => callRoute(route, caller as RestCaller, call))
        expect(wrong, `${key}:\n  ${wrong.join('\n  ')}`).toEqual([])
      })
  })
})
