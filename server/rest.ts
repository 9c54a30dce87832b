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
}

function jsonError(status: number, code: string, message: string, details?: unknown) {
  return Response.json({ error: { code, message, ...(details ? { details } : {}) } }, { status })
}

/** The request body, parsed by `schema`; malformed JSON or an invalid field is a 400 naming it. */
export async function jsonBody<T>(req: Request, schema: z.ZodType<T>): Promise<T> {
  let body: unknown
  try {
    body = await req.json()
  } catch {
    throw new DomainError('BAD_REQUEST', 'The request body must be JSON (Content-Type: application/json).')
  }
  const parsed = schema.safeParse(body)
  if (!parsed.success)
    throw new DomainError('BAD_REQUEST', `Invalid request body: ${parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ')}`)
  return parsed.data
}

/**
 * Wraps a REST v1 handler: authenticates (bearer token or session), checks the role, maps typed
 * errors to JSON with a message a person can act on. Plant scope is checked by the handler through
 * the services, which know which plants a request touches. A handler returning a Response (e.g.
 * 201 Created) is passed through; anything else is sent as JSON with 200.
 */
export function restHandler(route: string, minRole: Role, handle: (ctx: RestContext) => Promise<unknown>) {
  return async (req: Request): Promise<Response> => {
    let response: Response
    try {
      const runtime = await getRuntime()
      const principal = await principalFromHeaders(runtime, req.headers)
      if (!principal)
        response = jsonError(401, 'UNAUTHORIZED', 'Send an API token as `Authorization: Bearer <token>`; admins create tokens under Admin → API tokens.')
      else if (!hasRole(principal, minRole))
        response = jsonError(403, 'FORBIDDEN', `This endpoint needs the ${minRole} role; the token belongs to a ${principal.role}.`)
      else {
        const result = await handle({ runtime, principal, url: new URL(req.url), req })
        response = result instanceof Response ? result : Response.json(result)
      }
    } catch (error) {
      if (error instanceof DomainError) response = jsonError(HTTP_STATUS[error.code], error.code, error.message)
      else if (error instanceof ZodError)
        response = jsonError(400, 'BAD_REQUEST', 'Invalid query parameters.', error.issues.map((i) => ({ param: i.path.join('.'), message: i.message })))
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
