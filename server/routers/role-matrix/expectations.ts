import { canAccessPlant, hasRole, type Principal, type Role } from '../../domain/permissions'
import type { World } from './world'

/**
 * The vocabulary of the role matrix's tables (procedures.ts, routes.ts) and the one function that
 * turns an entry and a caller into the outcome the test asserts.
 */

/** Who may call: anyone, a role and above, or a token with the `ingest` scope (the OTLP receiver). */
export type Access = 'public' | Role | 'ingest'

/**
 * Where the plant a call is about comes from, i.e. what must refuse a plant outside the caller's scope:
 * - `none`: not about one plant (the caller's own data, global settings, lists narrowed to the scope);
 * - `argument`: the `plant`/`plants` argument or query parameter (checked by the ladder/handler or the service);
 * - `record`: the plant of the object the call names by id (checked by the service; 403 or 404);
 * - `payload`: a plant inside the body or filter (checked by the service).
 */
export type PlantSource = 'none' | 'argument' | 'record' | 'payload'

export type Outcome = 'allowed' | 'unauthenticated' | 'forbidden' | 'outside-scope'

/** One caller of the matrix. `principal` is who the server should take it for (null: anonymous or a bad token). */
export interface Caller {
  name: string
  principal: Principal | null
  /** API token scopes (the bootstrap token may ingest too). */
  scopes: readonly string[]
  /** Presents a bearer token (the OTLP receiver takes nothing else). */
  bearer: boolean
}

export interface Entry {
  access: Access
  plant: PlantSource
}

export function expectedOutcome(entry: Entry, caller: Caller, plant: string): Outcome {
  if (entry.access === 'public') return 'allowed'
  if (!caller.principal) return 'unauthenticated'
  if (entry.access === 'ingest') return !caller.bearer ? 'unauthenticated' : caller.scopes.includes('ingest') ? 'allowed' : 'forbidden'
  if (!hasRole(caller.principal, entry.access)) return 'forbidden'
  if (entry.plant !== 'none' && !canAccessPlant(caller.principal, plant)) return 'outside-scope'
  return 'allowed'
}

/** A tRPC procedure: its kind (checked against the router), who may call it, and an input about `plant`. */
export interface ProcedureEntry extends Entry {
  type: 'query' | 'mutation'
  input(w: World, plant: string): unknown
  /** Error codes an allowed caller may still get: the gate passed, the object's state refuses (e.g. CONFLICT). */
  passes?: readonly string[]
}

/** One REST call: path parameters, query string and JSON body. */
export interface RestCall {
  params?: Record<string, string | string[]>
  query?: Record<string, string>
  body?: unknown
}

/** A REST route's method: who may call it and a request about `plant`. */
export interface RouteEntry extends Entry {
  request(w: World, plant: string): RestCall | Promise<RestCall>
  /** Statuses other than 2xx an allowed caller may still get (the gate passed). */
  passes?: readonly number[]
}

/** Table helpers, so an entry is one line. */
export const query = (access: Access, plant: PlantSource, input: ProcedureEntry['input'] = () => undefined, passes?: string[]): ProcedureEntry => ({
  type: 'query',
  access,
  plant,
  input,
  passes,
})
export const mutation = (access: Access, plant: PlantSource, input: ProcedureEntry['input'], passes?: string[]): ProcedureEntry => ({
  type: 'mutation',
  access,
  plant,
  input,
  passes,
})
export const route = (access: Access, plant: PlantSource, request: RouteEntry['request'] = () => ({}), passes?: number[]): RouteEntry => ({
  access,
  plant,
  request,
  passes,
})
