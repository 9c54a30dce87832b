import { initTRPC, TRPCError } from '@trpc/server'
import superjson from 'superjson'
import { z, ZodError } from 'zod'
import { clientAddress } from './auth/client-address'
import { principalFromHeaders } from './auth/principal'
import { QueryTooHeavyError } from './clickhouse/exec'
import { buildCtx, storesOf } from './context/ctx'
import { namedPlants, resolveScope } from './context/scope'
import { DomainError } from './domain/errors'
import { hasRole, type Principal, type Role } from './domain/permissions'
import { plantCodeSchema } from './domain/plants'
import { findUnsafeText } from './domain/text'
import { crossOriginRefusal } from './http/csrf'
import { knownStoreError, reportInternalError } from './http/internal-error'
import { getRuntime, type Runtime } from './runtime'

/** What a request brings; the procedures see the service context (`Ctx`) the ladder builds from it. */
export interface Context {
  runtime: Runtime
  principal: Principal | null
  clientAddress: string | null
}

export async function createContext({ req }: { req: Request }): Promise<Context> {
  const runtime = await getRuntime()
  const principal = await principalFromHeaders(runtime, req.headers)
  // The browser sent the session cookie by itself: only the console's own JSON requests may mutate.
  const crossOrigin = principal?.kind === 'session' ? crossOriginRefusal(req, runtime.config.publicUrl) : null
  if (crossOrigin) throw new TRPCError({ code: 'FORBIDDEN', message: crossOrigin })
  return { runtime, principal, clientAddress: clientAddress(req.headers) }
}

/** Every procedure declares who may call it; the role-matrix test reads this and proves it is enforced. */
export interface Meta {
  access: 'public' | Role
  /** Procedures reading slow ClickHouse queries are not batched with fast ones. */
  slow?: boolean
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    /**
     * What the browser sees of an error. Domain, validation and access errors carry messages
     * written for people; anything else (a Prisma invocation, a constraint name, a stack) is
     * logged under an id and the browser gets "internal error (id …)".
     */
    errorFormatter({ shape, error, path }) {
      const cause = error.cause
      // No stack traces for the browser, in any mode.
      const { stack: _stack, ...data } = shape.data
      if (error.code === 'INTERNAL_SERVER_ERROR')
        return { ...shape, message: reportInternalError(cause ?? error, { path }), data: { ...data, zodIssues: undefined, tooHeavy: false } }
      return {
        ...shape,
        data: {
          ...data,
          zodIssues: cause instanceof ZodError ? cause.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) : undefined,
          tooHeavy: cause instanceof QueryTooHeavyError,
        },
      }
    },
  })

/**
 * Checks every text of the input (NUL, lone surrogates: nothing a store can hold) before any
 * schema or store sees it, then maps typed domain, store and query errors to tRPC errors once, for
 * every procedure. Unanticipated errors stay INTERNAL_SERVER_ERROR: the formatter logs and hides them.
 */
const errorMapping = t.middleware(async ({ next, getRawInput }) => {
  const issue = findUnsafeText(await getRawInput())
  if (issue) throw new TRPCError({ code: 'BAD_REQUEST', message: `Invalid input: ${issue.param} ${issue.message}.` })
  const result = await next()
  if (!result.ok) {
    const cause = result.error.cause
    if (cause instanceof DomainError) throw new TRPCError({ code: cause.code, message: cause.message, cause })
    if (cause instanceof QueryTooHeavyError)
      throw new TRPCError({ code: 'TIMEOUT', message: cause.message, cause })
    const known = knownStoreError(cause)
    if (known) throw new TRPCError({ code: known.code, message: known.message, cause })
  }
  return result
})

export const router = t.router
export const createCallerFactory = t.createCallerFactory

export const publicProcedure = t.procedure.meta({ access: 'public' }).use(errorMapping)

export const authedProcedure = t.procedure
  .meta({ access: 'viewer' })
  .use(errorMapping)
  .use(async ({ ctx, path, next }) => {
    if (!ctx.principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to continue.' })
    const stores = storesOf(ctx.runtime)
    const scope = await resolveScope(stores.db, ctx.principal, [])
    // The service context, tagged with the procedure's path (`trpc:traces.search`).
    return next({ ctx: buildCtx(stores, { tag: `trpc:${path}`, principal: ctx.principal, scope, clientAddress: ctx.clientAddress }) })
  })

/**
 * Procedures about plant data take `plant` (one) or `plants` (a filter). Naming a plant outside the
 * caller's scope is refused; `scope` is what the procedure may read (the filter narrowed to the scope).
 */
export const plantProcedure = authedProcedure
  .input(z.object({ plant: plantCodeSchema.optional(), plants: z.array(plantCodeSchema).max(200).optional() }).default({}))
  .use(async ({ ctx, input, next }) => next({ ctx: { ...ctx, scope: await resolveScope(ctx.db, ctx.principal, namedPlants(input)) } }))

function requireRole(min: Role) {
  return t.middleware(({ ctx, next }) => {
    if (!ctx.principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to continue.' })
    if (!hasRole(ctx.principal, min))
      throw new TRPCError({ code: 'FORBIDDEN', message: `This needs the ${min} role; you are ${ctx.principal.role}.` })
    return next()
  })
}

export const operatorProcedure = plantProcedure.meta({ access: 'operator' }).use(requireRole('operator'))
export const adminProcedure = operatorProcedure.meta({ access: 'admin' }).use(requireRole('admin'))
