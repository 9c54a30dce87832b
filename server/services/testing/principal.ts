import { randomBytes } from 'node:crypto'
import type { Principal } from '../../domain/permissions'

/** A session principal (not for production code); each gets its own label unless one is given, so two are two people. */
export function makePrincipal(role: Principal['role'], plants: Principal['plants'] = 'all', label = `${role}-${randomBytes(3).toString('hex')}@test`): Principal {
  return { kind: 'session', userId: null, label, role, plants }
}
