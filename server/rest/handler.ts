import { ZodError, type z } from 'zod'
import { clientAddress } from '../auth/client-address'
import { principalFromHeaders } from '../auth/principal'
import { QueryTooHeavyError } from '../clickhouse/exec'
import { buildCtx, storesOf, type Ctx } from '../context/ctx'
import { namedPlants, resolveScope } from '../context/scope'
import { DomainError, HTTP_STATUS } from '../domain/errors'
import { hasRole, type Role } from '../domain/permissions'
import { findUnsafeText, type TextIssue } from '../domain/text'
import { BodyTooLargeError, bodyTooLargeResponse, readCappedText } from '../http/body-limit'
import { crossOriginRefusal } from '../http/csrf'
import { knownStoreError, reportInternalError } from '../http/internal-error'
import { metrics } from '../metrics'
import { getRuntime } from '../runtime'

/** A handler result with a status other than 200 (e.g. 201 Created). */
export class RestResult {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/**
 * One REST v1 route: the role it needs and the zod schemas of its input. Its name is the request's
 * method and path pattern (`GET /api/v1/replays/[id]`), the metrics label; its queries are tagged
 * `rest:<name>`. Derived from the request, so no handler spells it.
 */
export interface RestRoute<Q, B, P> {
  role: Role
  /** The query string (a 400 naming each parameter). */
  query?: z.ZodType<Q>
  /** The query's `plant`/`plants` narrow the scope (403 for a plant outside the caller's); else the scope is all of the caller's plants. */
  plantFacet?: boolean
  /** The JSON body (400 when it is not JSON or the schema refuses it). */
  body?: z.ZodType<B>
  /** An empty body counts as `{}` (actions whose body is optional). */
  optionalBody?: boolean
  /** Path parameters of dynamic routes (e.g. `{ id }` of /replays/[id]). */
  params?: z.ZodType<P>
  /** The body cap of this route when it is not MAX_BODY_BYTES (413 beyond it). */
  maxBodyBytes?: number
}

export interface RestInput<Q, B, P> {
  query: Q
  body: B
  params: P
}

function issuesText(error: ZodError): string {
  return error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ')
}

function details(error: ZodError) {
  return error.issues.map((i) => ({ param: i.path.join('.'), message: i.message }))
}

/** A request body the route refuses: a 400 naming the problem, with the issues per field. */
class BodyError extends Error {
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}

/** Input text no store can hold (NUL, a lone surrogate): a 400 naming the parameter. */
class UnsafeTextError extends Error {
  constructor(readonly issue: TextIssue) {
    super(`Invalid request: ${issue.param} ${issue.message}.`)
  }
}

function assertSafeText(input: unknown) {
  const issue = findUnsafeText(input)
  if (issue) throw new UnsafeTextError(issue)
}

async function parseBody<B>(req: Request, schema: z.ZodType<B>, optional: boolean, maxBytes: number): Promise<B> {
  const text = await readCappedText(req, maxBytes)
  let body: unknown
  try {
    body = optional && !text.trim() ? {} : (JSON.parse(text) as unknown)
  } catch (error) {
    throw new BodyError(`The request body must be JSON (${(error as Error).message}); send Content-Type: application/json.`)
  }
  assertSafeText(body)
  const parsed = schema.safeParse(body)
  if (!parsed.success) throw new BodyError(`Invalid request body: ${issuesText(parsed.error)}`, details(parsed.error))
  return parsed.data
}

/** JSON with 64-bit numbers (BigInt) as decimal strings: Response.json cannot serialise them. */
function json(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)), { status, headers: { 'content-type': 'application/json' } })
}

function jsonError(status: number, code: string, message: string, details?: unknown) {
  return Response.json({ error: { code, message, ...(details ? { details } : {}) } }, { status })
}

/** `GET /api/v1/replays/[id]` for a request to /api/v1/replays/42: path segments that are parameter values become `[name]`. */
export function routeName(req: Request, params: Record<string, string | string[]>): string {
  const byValue = new Map(Object.entries(params).flatMap(([k, v]) => (typeof v === 'string' ? [[v, k] as const] : [])))
  const path = new URL(req.url).pathname
    .split('/')
    .map((segment) => {
      const param = byValue.get(safeDecode(segment))
      return param === undefined ? segment : `[${param}]`
    })
    .join('/')
  return `${req.method} ${path}`
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/**
 * Wraps a REST v1 handler: authenticates (bearer token or session), checks the role, parses the
 * input with the route's schemas, builds the service context (scope: the plant facet of the query,
 * else all of the caller's plants) and maps typed errors to JSON with a message a person can act on.
 */
export function restHandler<Q = Record<string, never>, B = undefined, P = Record<string, string>>(
  route: RestRoute<Q, B, P>,
  handle: (ctx: Ctx, input: RestInput<Q, B, P>) => Promise<unknown>,
) {
  return async (req: Request, context?: { params?: Promise<Record<string, string>> }): Promise<Response> => {
    let response: Response
    let name = `${req.method} ${new URL(req.url).pathname}`
    try {
      const rawParams = (await context?.params) ?? {}
      name = routeName(req, rawParams)
      const tag = `rest:${name}`
      const runtime = await getRuntime()
      const principal = await principalFromHeaders(runtime, req.headers)
      // The browser sent the cookie by itself: only the console's own JSON requests may change things.
      const crossOrigin = principal?.kind === 'session' ? crossOriginRefusal(req, runtime.config.publicUrl) : null
      if (!principal)
        response = jsonError(401, 'UNAUTHORIZED', 'Send an API token as `Authorization: Bearer <token>`; admins create tokens under Admin → API tokens.')
      else if (!hasRole(principal, route.role))
        response = jsonError(403, 'FORBIDDEN', `This endpoint needs the ${route.role} role; the token belongs to a ${principal.role}.`)
      else if (crossOrigin) response = jsonError(403, 'FORBIDDEN', crossOrigin)
      else {
        const searchParams = new URL(req.url).searchParams
        // Every text of the request, before a schema or a store sees it (repeated keys included).
        assertSafeText(rawParams)
        for (const [key, value] of searchParams) assertSafeText({ [key]: value })
        const params = (route.params ? route.params.parse(rawParams) : rawParams) as P
        const query = (route.query ? route.query.parse(Object.fromEntries(searchParams)) : {}) as Q
        const maxBodyBytes = route.maxBodyBytes ?? runtime.config.env.MAX_BODY_BYTES
        const body = (route.body ? await parseBody(req, route.body, route.optionalBody ?? false, maxBodyBytes) : undefined) as B
        const named = route.plantFacet ? namedPlants(query as { plant?: string; plants?: string[] }) : []
        const scope = await resolveScope(runtime.db.prisma, principal, named)
        const ctx = buildCtx(storesOf(runtime), { tag, principal, scope, clientAddress: clientAddress(req.headers) })
        const result = await handle(ctx, { query, body, params })
        // A Response (a stream, a file) passes through; RestResult is JSON with its own status.
        response = result instanceof Response ? result : result instanceof RestResult ? json(result.body, result.status) : json(result, 200)
      }
    } catch (error) {
      const known = knownStoreError(error)
      if (error instanceof DomainError) response = jsonError(HTTP_STATUS[error.code], error.code, error.message)
      else if (error instanceof BodyError) response = jsonError(400, 'BAD_REQUEST', error.message, error.details)
      else if (error instanceof UnsafeTextError) response = jsonError(400, 'BAD_REQUEST', error.message, [error.issue])
      else if (error instanceof ZodError) response = jsonError(400, 'BAD_REQUEST', 'Invalid request: see details for each parameter.', details(error))
      else if (error instanceof BodyTooLargeError) response = bodyTooLargeResponse(error)
      else if (error instanceof QueryTooHeavyError) response = jsonError(503, 'QUERY_TOO_HEAVY', error.message)
      else if (known) response = jsonError(HTTP_STATUS[known.code], known.code, known.message)
      // Anything else: the detail goes to the log under an id, the caller gets the id only.
      else response = jsonError(500, 'INTERNAL', reportInternalError(error, { route: name }))
    }
    metrics().httpRequests.inc({ route: name, status: String(response.status) })
    return response
  }
}
