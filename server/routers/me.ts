import { permissionsOf } from '../domain/permissions'
import { authedProcedure, router } from '../trpc'

export const meRouter = router({
  /** Who is signed in and what they may do: the UI hides what the server would refuse. */
  get: authedProcedure.query(({ ctx }) => {
    const { principal } = ctx
    return { userId: principal.userId, label: principal.label, role: principal.role, plants: principal.plants, permissions: permissionsOf(principal) }
  }),
})
