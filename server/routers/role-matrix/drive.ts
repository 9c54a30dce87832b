import { readdirSync } from 'node:fs'
import { join, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { makeServedHeaders } from '../../auth/testing/served-headers'
import { ORIGIN, type RestCaller } from './callers'
import type { Outcome, RestCall } from './expectations'

/** How the matrix calls a REST route, and how it judges any answer against an outcome. */

/** What came back: `ok`, or the error code (tRPC) / status (REST) with its message. */
export type Answer = { ok: true } | { ok: false; code: string; message: string }

const STATUS_CODES: Record<number, string> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' }

/** Does the answer match the outcome? `passes`: the codes an allowed caller may still get. */
export function matches(outcome: Outcome, answer: Answer, passes: readonly string[] = []): boolean {
  switch (outcome) {
    case 'allowed':
      return answer.ok || passes.includes(answer.code)
    case 'unauthenticated':
      return !answer.ok && answer.code === 'UNAUTHORIZED'
    case 'forbidden':
      return !answer.ok && answer.code === 'FORBIDDEN'
    case 'outside-scope':
      // Refused either way; 404 where the service does not reveal that the object exists.
      return !answer.ok && (answer.code === 'FORBIDDEN' || answer.code === 'NOT_FOUND')
  }
}

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const
type Handler = (req: Request, context: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>

export interface RouteMethod {
  /** `GET /api/v1/replays/[id]`: the key in ROUTES. */
  key: string
  pattern: string
  method: string
  handler: Handler
}

/**
 * Every exported method of every app/api/**\/route.ts, found on disk and imported by path: server code
 * never imports app statically (ESLint), and listing the folder is what makes a new route without a
 * table entry fail.
 */
export async function routeMethods(repoRoot: string): Promise<RouteMethod[]> {
  const apiDir = join(repoRoot, 'app', 'api')
  const files = (readdirSync(apiDir, { recursive: true }) as string[]).filter((f) => f === 'route.ts' || f.endsWith(`${sep}route.ts`)).sort()
  const found: RouteMethod[] = []
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(apiDir, file)).href)) as Record<string, unknown>
    const pattern = `/api/${file.split(sep).slice(0, -1).join('/')}`.replace(/\/$/, '')
    for (const method of HTTP_METHODS) {
      if (typeof mod[method] === 'function') found.push({ key: `${method} ${pattern}`, pattern, method, handler: mod[method] as Handler })
    }
  }
  return found
}

/** `/api/v1/replays/[id]/[action]` with its parameters filled in (a catch-all `[...all]` takes a list). */
function fillPath(pattern: string, params: Record<string, string | string[]>): string {
  return pattern.replace(/\[(?:\.\.\.)?([^\]]+)\]/g, (_m, name: string) => {
    const value = params[name]
    if (value === undefined) throw new Error(`${pattern}: the table's request gives no value for [${name}]`)
    return [value].flat().map(encodeURIComponent).join('/')
  })
}

export async function callRoute(route: RouteMethod, caller: RestCaller, call: RestCall): Promise<Answer> {
  const url = new URL(fillPath(route.pattern, call.params ?? {}), ORIGIN)
  for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v)
  // A browser on the console or a script: same-origin, JSON bodies.
  const headers = makeServedHeaders('127.0.0.1', { origin: ORIGIN, host: url.host, ...caller.headers })
  if (call.body !== undefined) headers.set('content-type', 'application/json')
  const request = new Request(url, { method: route.method, headers, body: call.body === undefined ? undefined : JSON.stringify(call.body) })
  const response = await route.handler(request, { params: Promise.resolve(call.params ?? {}) })
  // Read it all: a streamed export that fails after its first byte must not count as allowed.
  const text = await response.text()
  if (response.status < 300) return { ok: true }
  return { ok: false, code: STATUS_CODES[response.status] ?? String(response.status), message: text.slice(0, 300) }
}
