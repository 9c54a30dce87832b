import { randomBytes } from 'node:crypto'
import type { Principal } from '../../domain/permissions'

/**
 * A session principal (not for production code): a signed-in user, so it has a user id. Each gets
 * its own id and label unless given, so two are two people (maker/checker compares user ids).
 */
export function makePrincipal(
  role: Principal['role'],
  plants: Principal['plants'] = 'all',
  label = `${role}-${randomBytes(3).toString('hex')}@test`,
  userId = `test-user-${randomBytes(6).toString('hex')}`,
): Principal {
  return { kind: 'session', userId, label, role, plants }
}
