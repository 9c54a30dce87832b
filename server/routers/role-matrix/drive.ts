import { readdirSync } from 'node:fs'
import { join, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { makeServedHeaders } from '../../auth/testing/served-headers'
import { ORIGIN, type RestCaller } from './callers'
import { expectedOutcome, type Caller, type Entry, type Outcome, type RestCall } from './expectations'
import { IN, OUT } from './world'

/** How the matrix calls a REST route, and how it judges any answer against an outcome. */

/** What came back: `ok`, or the error code (tRPC) / status (REST) with its message. */
export type Answer = { ok: true; text: string } | { ok: false; code: string; message: string }

const STATUS_CODES: Record<number, string> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' }

/** How an HTTP status reads in a mismatch (and in a route's `passes`). */
export const statusCode = (status: number): string => STATUS_CODES[status] ?? String(status)

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
  // What a browser on the console sends (same-origin, JSON bodies), so the matrix sees the role and
  // plant checks rather than the cross-site request guard.
  const headers = makeServedHeaders('127.0.0.1', { origin: ORIGIN, host: url.host, 'sec-fetch-site': 'same-origin', ...caller.headers })
  // The console's fetches declare JSON on every change, bodiless ones too (a bodiless cross-site form
  // POST is exactly what the guard refuses).
  if (call.body !== undefined || route.method !== 'GET') headers.set('content-type', 'application/json')
  const request = new Request(url, { method: route.method, headers, body: call.body === undefined ? undefined : JSON.stringify(call.body) })
  const response = await route.handler(request, { params: Promise.resolve(call.params ?? {}) })
  // Read it all: a streamed export that fails after its first byte must not count as allowed.
  const text = await response.text()
  if (response.status < 300) return { ok: true, text }
  return { ok: false, code: statusCode(response.status), message: text.slice(0, 300) }
}

/** The plants a cell is about: IN and OUT for plant-scoped entries, IN for the rest. */
const plantsOf = (entry: Entry) => (entry.plant === 'none' ? [IN] : [IN, OUT])

export interface CellDriver<I> {
  /** The call changes something: each allowed cell gets a fresh input. */
  mutates: boolean
  passes: readonly string[]
  input(plant: string): Promise<I>
  call(caller: Caller, input: I): Promise<Answer>
}

/**
 * Runs every cell of one entry; returns the cells whose answer differs from the expected outcome.
 * Calls that change something get a fresh input (a new object) per allowed cell; the refused cells and
 * reads of a plant share one, so a wrongly allowed call still shows as a mismatch.
 */
export async function mismatches<I>(entry: Entry, callers: readonly Caller[], driver: CellDriver<I>): Promise<string[]> {
  const wrong: string[] = []
  // A public entry answers everyone alike: anonymous and one bearer token show it.
  const who = entry.access === 'public' ? callers.filter((c) => c.name === 'anonymous' || c.name === 'viewer token') : callers
  for (const plant of plantsOf(entry)) {
    let shared: I | undefined
    for (const caller of who) {
      const outcome: Outcome = expectedOutcome(entry, caller, plant)
      const input = driver.mutates && outcome === 'allowed' ? await driver.input(plant) : (shared ??= await driver.input(plant))
      const answer = await driver.call(caller, input)
      if (!matches(outcome, answer, driver.passes))
        wrong.push(`${caller.name}, plant ${plant}: expected ${outcome}, got ${answer.ok ? 'ok' : `${answer.code} (${answer.message})`}`)
    }
  }
  return wrong
}

/** Where an answer names the plant as a whole value (`"2000"` in JSON, a field of a CSV line), or -1. */
function plantMention(text: string, plant: string): number {
  return text.search(new RegExp(`(^|[",\\n])${plant}(?=$|[",\\r\\n])`))
}

export const mentionsPlant = (text: string, plant: string): boolean => plantMention(text, plant) >= 0

/** The input without its plant facet: the call that names no plant and must read only the caller's. */
export function omitPlant<T>(input: T): T {
  if (!input || typeof input !== 'object') return input
  const { plant: _plant, plants: _plants, ...rest } = input as Record<string, unknown>
  return rest as T
}

/**
 * For an entry whose plant is an argument, the call that names none, by each caller limited to plant
 * IN: it must not answer anything of plant OUT (seeded by seedOutsidePlant). A 400 (the plant is
 * required) is fine; so are callers below the entry's role.
 */
export async function leaks<I>(entry: Entry, callers: readonly Caller[], unnamed: () => Promise<I>, call: (caller: Caller, input: I) => Promise<Answer>): Promise<string[]> {
  const wrong: string[] = []
  for (const caller of callers) {
    if (!caller.principal || caller.principal.plants === 'all' || expectedOutcome({ ...entry, plant: 'none' }, caller, IN) !== 'allowed') continue
    const answer = await call(caller, await unnamed())
    if (!answer.ok && answer.code !== 'BAD_REQUEST' && answer.code !== '400') wrong.push(`${caller.name}, no plant named: got ${answer.code} (${answer.message})`)
    const at = answer.ok ? plantMention(answer.text, OUT) : -1
    if (answer.ok && at >= 0) wrong.push(`${caller.name}, no plant named: the answer names plant ${OUT}: …${answer.text.slice(Math.max(0, at - 150), at + 50)}…`)
  }
  return wrong
}
