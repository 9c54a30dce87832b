import { ZodError, type z } from 'zod'
import { principalFromHeaders } from './auth/principal'
import { QueryTooHeavyError } from './clickhouse/exec'
import { hasRole, type Principal, type Role } from './domain/permissions'
import { logger } from './logger'
import { metrics } from './metrics'
import { getRuntime, type Runtime } from './runtime'
import { DomainError, HTTP_STATUS } from './services/errors'

export interface RestContext {
  runtime: Runtime
  principal: Principal
  url: URL
  req: Request
  /** Path parameters of dynamic routes (e.g. `{ id }` of /replays/[id]). */
  params: Record<string, string>
}

/** A handler result with a status other than 200 (e.g. 201 Created). */
export class RestResult {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/**
 * The request body as JSON, parsed by `schema` when given: a body that is not JSON, or a field the
 * schema refuses, is a 400 naming the problem.
 */
export async function jsonBody(req: Request): Promise<unknown>
export async function jsonBody<T>(req: Request, schema: z.ZodType<T>): Promise<T>
export async function jsonBody<T>(req: Request, schema?: z.ZodType<T>): Promise<T | unknown> {
  const text = await req.text()
  let body: unknown
  try {
    body = JSON.parse(text) as unknown
  } catch (error) {
    throw new DomainError('BAD_REQUEST', `The request body must be JSON (${(error as Error).message}); send Content-Type: application/json.`)
  }
  if (!schema) return body
  const parsed = schema.safeParse(body)
  if (!parsed.success)
    throw new DomainError('BAD_REQUEST', `Invalid request body: ${parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ')}`)
  return parsed.data
}

/** JSON with 64-bit numbers (BigInt) as decimal strings: Response.json cannot serialise them. */
function json(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)), { status, headers: { 'content-type': 'application/json' } })
}

function jsonError(status: number, code: string, message: string, details?: unknown) {
  return Response.json({ error: { code, message, ...(details ? { details } : {}) } }, { status })
}

/**
 * Wraps a REST v1 handler: authenticates (bearer token or session), checks the role, maps typed
 * errors to JSON with a message a person can act on. Plant scope is checked by the handler through
 * the services, which know which plants a request touches.
 */
export function restHandler(route: string, minRole: Role, handle: (ctx: RestContext) => Promise<unknown>) {
  return async (req: Request, context?: { params?: Promise<Record<string, string>> }): Promise<Response> => {
    let response: Response
    try {
      const runtime = await getRuntime()
      const principal = await principalFromHeaders(runtime, req.headers)
      if (!principal)
        response = jsonError(401, 'UNAUTHORIZED', 'Send an API token as `Authorization: Bearer <token>`; admins create tokens under Admin → API tokens.')
      else if (!hasRole(principal, minRole))
        response = jsonError(403, 'FORBIDDEN', `This endpoint needs the ${minRole} role; the token belongs to a ${principal.role}.`)
      else {
        const result = await handle({ runtime, principal, url: new URL(req.url), req, params: (await context?.params) ?? {} })
        // A Response (a stream, a file) passes through; RestResult is JSON with its own status.
        response = result instanceof Response ? result : result instanceof RestResult ? json(result.body, result.status) : json(result, 200)
      }
    } catch (error) {
      if (error instanceof DomainError) response = jsonError(HTTP_STATUS[error.code], error.code, error.message)
      else if (error instanceof ZodError)
        response = jsonError(400, 'BAD_REQUEST', 'Invalid request: see details for each parameter.', error.issues.map((i) => ({ param: i.path.join('.'), message: i.message })))
      else if (error instanceof QueryTooHeavyError) response = jsonError(503, 'QUERY_TOO_HEAVY', error.message)
      else {
        logger.error({ err: error, route }, 'REST handler failed')
        response = jsonError(500, 'INTERNAL', 'Something went wrong on our side; the error is in the server log.')
      }
    }
    metrics().httpRequests.inc({ route, status: String(response.status) })
    return response
  }
}
