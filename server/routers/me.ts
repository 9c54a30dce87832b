import { ACTIONS, can, type Action } from '../domain/permissions'
import { authedProcedure, router } from '../trpc'

export const meRouter = router({
  /** Who is signed in and what they may do: the UI hides what the server would refuse. */
  get: authedProcedure.query(({ ctx }) => {
    const { principal } = ctx
    const permissions = Object.fromEntries((Object.keys(ACTIONS) as Action[]).map((a) => [a, can(principal, a)])) as Record<Action, boolean>
    return { label: principal.label, role: principal.role, plants: principal.plants, permissions }
  }),
})
