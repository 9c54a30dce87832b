import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig, type Config } from '../../config'
import type { Db } from '../../db/client'
import { freshPgliteDb } from '../../db/testing'
import { DomainError } from '../../domain/errors'
import { tapDefinitionSchema } from '../../domain/taps'
import { makeCtx } from '../testing/ctx'
import { confirmationTap } from '../testing/taps'
import { makePrincipal } from '../testing/principal'
import { createTap, deleteTap, getTap, listTaps, resumeTap, setTapEnabled, updateTap } from './taps'

/**
 * The taps services on PGlite, checking definitions with the worker's own mapper: who may call
 * them, what is audited, what a bad definition is told (by field), file taps read-only.
 */

let db: Db
let config: Config

const definition = confirmationTap

beforeAll(async () => {
  db = await freshPgliteDb()
  // A TAPS_FILE's taps, as loadConfig hands them over (parsed with the same schema).
  config = { ...loadConfig({}), taps: [tapDefinitionSchema.parse(definition('file-acks', { topic: 'erp.acks' }))] }
})
afterAll(() => db?.close())

const ctxOf = (role: 'viewer' | 'operator' | 'admin') => makeCtx({ db: db.prisma, config }, makePrincipal(role, role === 'admin' ? 'all' : ['1000']))
const admin = () => ctxOf('admin')

async function refused(call: Promise<unknown>): Promise<DomainError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(DomainError)
  return error as DomainError
}

const lastAudit = (targetId: string) => db.prisma.auditLog.findFirst({ where: { targetType: 'tap', targetId }, orderBy: { id: 'desc' } })

describe('the taps services', () => {
  it('refuses viewers and operators everything, naming the role needed', async () => {
    const name = 'refused-' + Date.now().toString(36)
    await createTap(admin(), { definition: definition(name) })
    for (const role of ['viewer', 'operator'] as const) {
      const ctx = ctxOf(role)
      for (const call of [
        listTaps(ctx),
        getTap(ctx, { name }),
        createTap(ctx, { definition: definition(`${name}-x`) }),
        updateTap(ctx, { name, definition: definition(name) }),
        setTapEnabled(ctx, { name, enabled: true }),
        deleteTap(ctx, { name }),
        resumeTap(ctx, { name }),
      ]) {
        const error = await refused(call)
        expect(error.code).toBe('FORBIDDEN')
        expect(error.message).toContain(`needs the admin role; you are ${role}`)
      }
    }
    expect((await getTap(admin(), { name })).enabled).toBe(false)
  })

  it('creates a tap disabled unless asked, audits create, update, enable and disable, and lists it with file taps', async () => {
    const created = await createTap(admin(), { definition: definition('mes-conf') })
    expect(created).toMatchObject({ name: 'mes-conf', origin: 'database', readOnly: false, enabled: false, status: null, invalid: null })
    expect(created.definition).toMatchObject({ start: 'earliest', format: 'json', maxErrorRate: 0.5 })
    expect(await lastAudit('mes-conf')).toMatchObject({ action: 'tap.create', after: { enabled: false, definition: { name: 'mes-conf' } } })

    const updated = await updateTap(admin(), { name: 'mes-conf', definition: definition('mes-conf', { start: 'latest' }), baseUpdatedAt: created.updatedAt })
    expect(updated.definition.start).toBe('latest')
    expect(await lastAudit('mes-conf')).toMatchObject({ action: 'tap.update', before: { start: 'earliest' }, after: { start: 'latest' } })

    expect((await setTapEnabled(admin(), { name: 'mes-conf', enabled: true })).enabled).toBe(true)
    expect(await lastAudit('mes-conf')).toMatchObject({ action: 'tap.enable', before: { enabled: false }, after: { enabled: true } })
    expect((await setTapEnabled(admin(), { name: 'mes-conf', enabled: false })).enabled).toBe(false)
    expect(await lastAudit('mes-conf')).toMatchObject({ action: 'tap.disable' })

    const started = await createTap(admin(), { definition: definition('hub-postings'), enabled: true })
    expect(started.enabled).toBe(true)

    const list = await listTaps(admin())
    const names = list.map((t) => `${t.name}:${t.origin}`)
    expect(names).toEqual(expect.arrayContaining(['file-acks:file', 'hub-postings:database', 'mes-conf:database']))
    expect(list.find((t) => t.name === 'file-acks')).toMatchObject({ readOnly: true, enabled: true, definition: { topic: 'erp.acks' } })
  })

  it('refuses every change to a file tap, and a stored tap taking its name, saying where to change it', async () => {
    for (const call of [
      updateTap(admin(), { name: 'file-acks', definition: definition('file-acks') }),
      setTapEnabled(admin(), { name: 'file-acks', enabled: false }),
      deleteTap(admin(), { name: 'file-acks' }),
    ]) {
      const error = await refused(call)
      expect(error.code).toBe('CONFLICT')
      expect(error.message).toContain('is declared in TAPS_FILE')
    }
    expect((await refused(createTap(admin(), { definition: definition('file-acks') }))).message).toBe('A tap named file-acks is declared in TAPS_FILE; choose another name.')
    expect(await lastAudit('file-acks')).toBeNull()
  })

  it('names each wrong field in the admin’s words and stores nothing', async () => {
    const noCorrelation = await refused(createTap(admin(), { definition: { ...definition('bad-one'), mapping: { ...definition('bad-one').mapping, correlation_id: '' } } }))
    expect(noCorrelation.code).toBe('BAD_REQUEST')
    expect(noCorrelation.message).toBe('The tap was not created: Correlation id (mapping.correlation_id): an expression cannot be empty.')

    const badName = await refused(createTap(admin(), { definition: definition('Bad Name') }))
    expect(badName.message).toMatch(/^The tap was not created: Name \(name\): a tap name is 1–63 lowercase letters/)

    const badExpression = await refused(createTap(admin(), { definition: { ...definition('bad-two'), mapping: { ...definition('bad-two').mapping, business: { work_order: '$.AUFNR[' } } } }))
    expect(badExpression.message).toMatch(/^The tap was not created: Business key work_order \(mapping\.business\.work_order\): /)

    const badRegex = await refused(createTap(admin(), { definition: definition('bad-three', { topic: '/mes-(/' }) }))
    expect(badRegex.message).toMatch(/^The tap was not created: Topic \(topic\): is not a valid regular expression/)

    expect(await db.prisma.tap.count({ where: { name: { in: ['bad-one', 'bad-two', 'bad-three'] } } })).toBe(0)
  })

  it('refuses a rename, a duplicate, a stale save and an unknown tap', async () => {
    const base = await createTap(admin(), { definition: definition('rename-me') })
    const rename = await refused(updateTap(admin(), { name: 'rename-me', definition: definition('renamed') }))
    expect(rename.message).toContain('a tap cannot be renamed')
    expect((await refused(createTap(admin(), { definition: definition('rename-me') }))).code).toBe('CONFLICT')
    await updateTap(admin(), { name: 'rename-me', definition: definition('rename-me', { start: 'latest' }), baseUpdatedAt: base.updatedAt })
    const stale = await refused(updateTap(admin(), { name: 'rename-me', definition: definition('rename-me'), baseUpdatedAt: base.updatedAt }))
    expect(stale.code).toBe('CONFLICT')
    expect(stale.message).toMatch(/changed the tap rename-me at .* after you opened it/)
    for (const call of [getTap(admin(), { name: 'nope' }), updateTap(admin(), { name: 'nope', definition: definition('nope') }), deleteTap(admin(), { name: 'nope' }), resumeTap(admin(), { name: 'nope' })])
      expect((await refused(call)).code).toBe('NOT_FOUND')
  })

  it('resumes a paused tap by clearing the reason (audited), refuses one not paused, deletes a tap with its status', async () => {
    await createTap(admin(), { definition: definition('paused-one'), enabled: true })
    await db.prisma.tapStatus.create({ data: { name: 'paused-one', origin: 'database', state: 'paused', pausedReason: '62 % of the last 1,000 records failed', mapped: 380n, failed: 620n } })
    expect((await getTap(admin(), { name: 'paused-one' })).status).toMatchObject({ state: 'paused', mapped: 380, failed: 620, pausedReason: '62 % of the last 1,000 records failed' })

    const resumed = await resumeTap(admin(), { name: 'paused-one' })
    expect(resumed.status?.pausedReason).toBeNull()
    expect(await lastAudit('paused-one')).toMatchObject({ action: 'tap.resume', before: { pausedReason: '62 % of the last 1,000 records failed' } })
    const again = await refused(resumeTap(admin(), { name: 'paused-one' }))
    expect(again).toMatchObject({ code: 'CONFLICT', message: 'The tap paused-one is not paused; nothing to resume.' })

    expect(await deleteTap(admin(), { name: 'paused-one' })).toEqual({ deleted: 'paused-one' })
    expect(await db.prisma.tapStatus.findUnique({ where: { name: 'paused-one' } })).toBeNull()
    expect(await lastAudit('paused-one')).toMatchObject({ action: 'tap.delete', before: { enabled: true } })
  })
})
