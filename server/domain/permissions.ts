/**
 * Who may do what. One function decides, used by the server (the authority) and by the UI (to hide
 * what a role cannot use). Pure and import-free so client components may use it too.
 */

export const ROLES = ['viewer', 'operator', 'admin'] as const
export type Role = (typeof ROLES)[number]

/** Role rank: an admin can do everything an operator can, an operator everything a viewer can. */
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 }

export const ACTIONS = {
  /** Dashboards, traces, exceptions and replays in one's plants. */
  view: 'viewer',
  /** Assign, comment, discard dead letters; create and run replay jobs. */
  triage: 'operator',
  replay: 'operator',
  /** Force a replay past the idempotency guard; users, plants, SLA targets, API tokens. */
  force: 'admin',
  administer: 'admin',
} as const satisfies Record<string, Role>

export type Action = keyof typeof ACTIONS

export interface Principal {
  kind: 'session' | 'api_token' | 'bootstrap_token' | 'system'
  userId: string | null
  /** Shown in the audit log: an email, or the token's name. */
  label: string
  role: Role
  /** Plants this principal may see; admins see all. */
  plants: 'all' | readonly string[]
}

export function hasRole(principal: Pick<Principal, 'role'>, min: Role): boolean {
  return RANK[principal.role] >= RANK[min]
}

export function canAccessPlant(principal: Pick<Principal, 'plants'>, plant: string): boolean {
  return principal.plants === 'all' || principal.plants.includes(plant)
}

/** The single authorization check: the action's role, and when a plant is named, the scope. */
export function can(principal: Principal | null, action: Action, plant?: string): boolean {
  if (!principal) return false
  if (!hasRole(principal, ACTIONS[action])) return false
  return plant === undefined || canAccessPlant(principal, plant)
}

/** Every action and whether the principal may perform it: what the UI uses to hide what it cannot do. */
export function permissionsOf(principal: Principal | null): Record<Action, boolean> {
  return Object.fromEntries((Object.keys(ACTIONS) as Action[]).map((a) => [a, can(principal, a)])) as Record<Action, boolean>
}

/** Narrows a requested plant list to the principal's scope (undefined = every allowed plant). */
export function scopePlants(principal: Principal, requested: readonly string[] | undefined, known: readonly string[]): string[] {
  const allowed = principal.plants === 'all' ? known : known.filter((p) => principal.plants.includes(p))
  if (!requested || requested.length === 0) return [...allowed]
  return requested.filter((p) => allowed.includes(p))
}
