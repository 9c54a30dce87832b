import { randomBytes, randomUUID } from 'node:crypto'
import { buildCtx, storesOf, type Ctx } from '../../context/ctx'
import type { Principal, Role } from '../../domain/permissions'
import type { Runtime } from '../../runtime'
import { createChannel } from '../../services/alerts/channels'
import { createRule } from '../../services/alerts/rules'
import { createSilence } from '../../services/alerts/silences'
import { createReplayJob } from '../../services/replays/create-job'
import { insertDeadLetter, insertHops } from '../../services/testing/replays'
import { DEMO_USERS } from '../../services/plants/seed'
import { createApiToken, createUser, revokeApiToken } from '../../services/users/users'

/**
 * The data the role matrix calls with: one user per role (viewer and operator of plant IN only), an
 * API token for each, and factories that make a fresh object in a given plant for every cell, so a
 * mutation allowed in one cell never changes what the next cell sees.
 */

/** Every non-admin caller's only plant. */
export const IN = '1000'
/** A plant outside the viewer's and operator's scope (an admin sees it). */
export const OUT = '2000'
export const BOOTSTRAP_TOKEN = `lt-role-matrix-bootstrap-${randomBytes(8).toString('hex')}`

export interface MatrixUser {
  id: string
  email: string
  password: string
  principal: Principal
  /** A bearer token of this user without scopes. */
  token: string
}

export interface World {
  runtime: Runtime
  users: Record<Role, MatrixUser>
  /** A token of the viewer with the `ingest` scope (scopes grant what the role does not). */
  ingestToken: string
  /** An admin's token, revoked: it must open nothing. */
  revokedToken: string
  make: Factories
}

export interface Factories {
  deadLetter(plant: string): Promise<{ id: string; fingerprint: string }>
  /** A firing alert (episode) of a rule in the plant. */
  alert(plant: string): Promise<string>
  rule(plant: string): Promise<string>
  silence(plant: string): Promise<string>
  channel(): Promise<string>
  /** A queued replay job over one new dead letter of the plant. */
  replayJob(plant: string): Promise<string>
  /** A transaction with one hop in ClickHouse: what traces.get and traces.payload read. */
  trace(plant: string): Promise<{ correlationId: string; eventId: string; t: string }>
  user(): Promise<string>
  apiToken(): Promise<string>
  /** Unique text for names and emails. */
  unique(prefix: string): string
}

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`

export async function buildWorld(runtime: Runtime): Promise<World> {
  const db = runtime.db.prisma
  const system: Principal = { kind: 'system', userId: null, label: 'role-matrix setup', role: 'admin', plants: 'all' }
  const ctx: Ctx = buildCtx(storesOf(runtime), { tag: 'test:role-matrix', principal: system, scope: [], clientAddress: null })

  // The demo users startTestRuntime seeds (their passwords are hashed once, there): the operator is
  // narrowed to plant IN like the viewer, so both have a plant outside their scope.
  async function matrixUser(role: Role): Promise<MatrixUser> {
    const demo = DEMO_USERS.find((u) => u.role === role)!
    const user = await db.user.findUniqueOrThrow({ where: { email: demo.email } })
    if (role !== 'admin') await db.userPlantScope.deleteMany({ where: { userId: user.id, plantCode: { not: IN } } })
    const { token } = await createApiToken(ctx, { userId: user.id, name: `matrix-${role}` })
    const principal: Principal = { kind: 'session', userId: user.id, label: demo.email, role, plants: role === 'admin' ? 'all' : [IN] }
    return { id: user.id, email: demo.email, password: demo.password, token, principal }
  }
  const users = { viewer: await matrixUser('viewer'), operator: await matrixUser('operator'), admin: await matrixUser('admin') }
  const { token: ingestToken } = await createApiToken(ctx, { userId: users.viewer.id, name: 'matrix-ingest', scopes: ['ingest'] })
  const revoked = await createApiToken(ctx, { userId: users.admin.id, name: 'matrix-revoked', scopes: ['ingest'] })
  await revokeApiToken(ctx, { id: revoked.id })

  const make: Factories = {
    unique,
    async deadLetter(plant) {
      const { row } = await insertDeadLetter(db, { plant, errorCode: `RM/${randomBytes(2).toString('hex')}` })
      return { id: row.id, fingerprint: row.fingerprint! }
    },
    async rule(plant) {
      const rule = await createRule(ctx, { plant, kind: 'ingest_freshness', severity: 'warning', name: unique('matrix rule'), flow: '*', enabled: true, forMinutes: 0, keepFiringMinutes: 0, params: { maxFreshnessSeconds: 60 } })
      return rule.id
    },
    async alert(plant) {
      const now = new Date()
      const episode = await db.alertEpisode.create({
        data: {
          ruleId: await make.rule(plant),
          ruleName: 'matrix rule',
          kind: 'ingest_freshness',
          plantCode: plant,
          flow: '*',
          severity: 'warning',
          state: 'firing',
          startedAt: now,
          firedAt: now,
          lastEvaluatedAt: now,
          unit: 's',
          reason: 'role matrix',
          links: [],
        },
      })
      return episode.id
    },
    async silence(plant) {
      const startsAt = new Date()
      const silence = await createSilence(ctx, { plant, kind: 'silence', startsAt, endsAt: new Date(startsAt.getTime() + 3_600_000), reason: 'role matrix' })
      return silence.id
    },
    async channel() {
      const channel = await createChannel(ctx, { name: unique('matrix channel'), kind: 'webhook', url: 'https://hooks.example.com/matrix', severities: ['critical'], plants: [], enabled: true })
      return channel.id
    },
    async replayJob(plant) {
      const { id } = await make.deadLetter(plant)
      const created = await createReplayJob(ctx, { deadLetterIds: [id], reason: 'role matrix' })
      return created.job.id
    },
    async trace(plant) {
      const correlationId = `RM-${randomUUID()}`
      const eventId = randomUUID()
      const origin = new Date(Date.now() - 5 * 60_000)
      await insertHops(runtime.clickhouse, [{ event_id: eventId, correlation_id: correlationId, plant, origin_time: origin, occurred_at: origin, event_type: 'shopfloor.production_counted', hop: 'machine' }])
      return { correlationId, eventId, t: origin.toISOString() }
    },
    async user() {
      const user = await createUser(ctx, { email: `${unique('u')}@role-matrix.test`, name: 'Matrix target', password: 'role-matrix-password', role: 'viewer', plants: [IN] })
      return user.id
    },
    async apiToken() {
      return (await createApiToken(ctx, { userId: users.viewer.id, name: unique('matrix') })).id
    },
  }
  return { runtime, users, ingestToken, revokedToken: revoked.token, make }
}

/** One object of each kind in plant OUT, which a caller limited to plant IN must never be answered. */
export async function seedOutsidePlant(w: World): Promise<void> {
  await w.make.alert(OUT)
  await w.make.silence(OUT)
  await w.make.replayJob(OUT)
  await w.make.trace(OUT)
}
