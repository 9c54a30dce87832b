import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../db/client'
import { freshPgliteDb } from '../../db/testing'
import { describeChange } from '../../domain/changes'
import { updatePlant } from '../plants/plants'
import { seedPlants } from '../plants/seed'
import { makeCtx } from '../testing/ctx'
import { createApiToken, createUser, resetPassword, revokeApiToken, updateUser } from '../users/users'
import { listAuditLog } from './audit'

/**
 * Every admin change leaves an audit entry with what it was before and after, and the log reads
 * the change (`role: viewer → operator`) and names the user by email, not by id.
 */
let db: Db
beforeAll(async () => {
  db = await freshPgliteDb()
  await seedPlants(db.prisma)
})
afterAll(() => db.close())

const ctx = () => makeCtx({ db: db.prisma })
const newest = async () => (await listAuditLog(ctx(), { limit: 1 })).items[0]!

describe('audit before/after', () => {
  it('stores a role and scope edit with before and after, and lists it readably with the user’s email', async () => {
    const user = await createUser(ctx(), { email: 'Planner@Example.com', name: 'Pat Planner', password: 'planner-pw-1', role: 'viewer', plants: ['1000'] })
    await updateUser(ctx(), { id: user.id, change: { role: 'operator', plants: ['2100'] } })

    const row = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'user.update', targetId: user.id } })
    expect(row.before).toMatchObject({ role: 'viewer', plants: ['1000'] })
    expect(row.after).toMatchObject({ role: 'operator', plants: ['2100'] })

    const entry = await newest()
    expect(entry).toMatchObject({ action: 'user.update', targetLabel: 'Pat Planner <planner@example.com>' })
    expect(entry.changes.map(describeChange)).toEqual(['role: viewer → operator', 'plants: + 2100, − 1000'])
  })

  it('records a password reset without the password, and the sessions it ended', async () => {
    const user = await createUser(ctx(), { email: 'reset@example.com', name: 'Reset Me', password: 'reset-me-pw-1', role: 'viewer' })
    await resetPassword(ctx(), { id: user.id, password: 'a-new-password-2' })
    const entry = await newest()
    expect(entry.action).toBe('user.password_reset')
    expect(entry.changes.map(describeChange)).toEqual(['password: old → reset'])
    expect(JSON.stringify([entry.before, entry.after])).not.toContain('a-new-password-2')
  })

  it('records a token revocation as revokedAt from nothing to an instant, naming the token and its owner', async () => {
    const owner = await createUser(ctx(), { email: 'bi@example.com', name: 'BI', password: 'bi-password-1', role: 'viewer' })
    const { id } = await createApiToken(ctx(), { userId: owner.id, name: 'power-bi' })
    await revokeApiToken(ctx(), { id })
    const entry = await newest()
    expect(entry).toMatchObject({ action: 'api_token.revoke', targetLabel: 'power-bi (of bi@example.com)', before: { revokedAt: null } })
    expect(entry.changes).toEqual([{ field: 'revokedAt', kind: 'value', before: null, after: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }])
  })

  it('records a plant edit field by field', async () => {
    await updatePlant(ctx(), { code: '2100', change: { timeZone: 'America/Mexico_City', replayApprovalRequired: true } })
    const entry = await newest()
    expect(entry.changes.map(describeChange)).toEqual(['timeZone: America/Monterrey → America/Mexico_City', 'replayApprovalRequired: no → yes'])
  })

  it('keeps older entries without before/after and entries about deleted users listable', async () => {
    await db.prisma.auditLog.create({ data: { actorLabel: 'legacy', action: 'user.update', targetType: 'user', targetId: 'gone-user-id' } })
    const entry = await newest()
    expect(entry).toMatchObject({ targetId: 'gone-user-id', targetLabel: null, changes: [] })
  })

  it('refuses a scope naming an unknown plant and writes no entry', async () => {
    const user = await createUser(ctx(), { email: 'scoped@example.com', name: 'Scoped', password: 'scoped-pw-12', role: 'viewer' })
    const count = await db.prisma.auditLog.count()
    await expect(updateUser(ctx(), { id: user.id, change: { plants: ['9999'] } })).rejects.toThrow(/Unknown plant 9999/)
    expect(await db.prisma.auditLog.count()).toBe(count)
  })
})
