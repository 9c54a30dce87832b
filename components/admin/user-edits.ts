import { describeChange, diffChanges } from '@/server/domain/changes'
import type { RouterInputs, RouterOutputs } from '../trpc/client'

export const ROLE_OPTIONS = ['viewer', 'operator', 'admin'] as const
export type RoleOption = (typeof ROLE_OPTIONS)[number]
export type User = RouterOutputs['admin']['users']['list'][number]
export type UserChange = RouterInputs['admin']['users']['update']['change']

/**
 * An admin's unsaved edits of one user. Role and plant ticks collect here and are saved together
 * after the admin has seen what will change.
 */
export type UserDraft = Pick<UserChange, 'role' | 'plants' | 'disabled'>

/** What the admin sees of a user: an admin sees every plant, so their plant list is no part of it. */
function snapshot(u: { role: string; plants: readonly string[]; disabled: boolean }) {
  return { role: u.role, ...(u.role === 'admin' ? {} : { plants: [...u.plants] }), disabled: u.disabled }
}

/** The draft applied to the user, as the lines the dialog and the saved message show (`role: viewer → operator`). */
export function draftLines(user: User, draft: UserDraft): string[] {
  const after = snapshot({ ...user, ...draft })
  // Promoted to admin: the plant list stops mattering, so it is no part of the change.
  const { plants, ...rest } = snapshot(user)
  const before = after.role === 'admin' ? rest : { ...rest, plants }
  return diffChanges(before, after).map(describeChange)
}

/** Only what differs from the saved user, for the update call; null when the draft changes nothing. */
export function draftChange(user: User, draft: UserDraft): UserChange | null {
  const change: UserChange = {}
  if (draft.role !== undefined && draft.role !== user.role) change.role = draft.role
  if (draft.disabled !== undefined && draft.disabled !== user.disabled) change.disabled = draft.disabled
  if (draft.plants && (draft.role ?? user.role) !== 'admin' && draftLines(user, { plants: draft.plants }).length) change.plants = [...draft.plants].sort()
  return Object.keys(change).length ? change : null
}
