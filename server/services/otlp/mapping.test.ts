import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uniqueTopic } from '../../bus/testing'
import { loadConfig, type Config } from '../../config'
import type { Db } from '../../db/client'
import { freshPgliteDb } from '../../db/testing'
import { DomainError } from '../../domain/errors'
import { makeCtx } from '../testing/ctx'
import { makePrincipal } from '../testing/principal'
import { getOtlpMapping, saveOtlpMapping } from './mapping'
import { otlpServices } from './services'

/**
 * The admin's OpenTelemetry mapping on PGlite: who may read and change it (and the per-service
 * view), what an invalid mapping is told, and that a save based on an older mapping is refused.
 * ingest/otlp/stored-mapping.test.ts shows the worker mapping with a saved change and the view's counts.
 */

let db: Db
let config: Config

beforeAll(async () => {
  db = await freshPgliteDb()
  config = loadConfig({ OTLP_TOPIC: uniqueTopic('otlp'), OTLP_DEFAULT_PLANT: '1000' })
})
afterAll(() => db?.close())

const ctxOf = (role: 'viewer' | 'operator' | 'admin') => makeCtx({ db: db.prisma, config }, makePrincipal(role, role === 'admin' ? 'all' : ['1000']))
const current = async () => (await getOtlpMapping(ctxOf('admin'))).updatedAt

async function refused(call: Promise<unknown>): Promise<DomainError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(DomainError)
  return error as DomainError
}

describe('the OTLP mapping service', () => {
  it('lets admins read and save the mapping, refuses viewers and operators', async () => {
    for (const role of ['viewer', 'operator'] as const) {
      expect((await refused(getOtlpMapping(ctxOf(role)))).code).toBe('FORBIDDEN')
      const error = await refused(saveOtlpMapping(ctxOf(role), { config: { defaultPlant: '2000' }, baseUpdatedAt: await current() }))
      expect(error.code).toBe('FORBIDDEN')
      expect(error.message).toContain('admin role')
      expect((await refused(otlpServices(ctxOf(role)))).code).toBe('FORBIDDEN')
    }
    const before = await getOtlpMapping(ctxOf('admin'))
    expect(before).toMatchObject({ stored: false, envDefaultPlant: '1000', updatedAt: null })
    expect(before.config.services.map((r) => r.service)).toContain('camel-*')

    const saved = await saveOtlpMapping(ctxOf('admin'), { config: { ...before.config, defaultHop: 'mes' }, baseUpdatedAt: null })
    expect(saved).toMatchObject({ stored: true, config: { defaultHop: 'mes' } })
    expect((await getOtlpMapping(ctxOf('admin'))).config.defaultHop).toBe('mes')

    const entry = await db.prisma.auditLog.findFirst({ where: { action: 'otlp_mapping.update' }, orderBy: { id: 'desc' } })
    expect(entry).toMatchObject({ targetType: 'otlp_mapping', targetId: '1', before: null })
    expect((entry!.after as { defaultHop: string }).defaultHop).toBe('mes')
  })

  it('rejects an invalid mapping with a message naming the field and what is wrong, and stores nothing', async () => {
    const base = await getOtlpMapping(ctxOf('admin'))
    const badPlant = await refused(
      saveOtlpMapping(ctxOf('admin'), { config: { ...base.config, services: [{ service: 'camel-*', plant: 'plant 1000!' }] }, baseUpdatedAt: base.updatedAt }),
    )
    expect(badPlant.code).toBe('BAD_REQUEST')
    expect(badPlant.message).toBe('The mapping was not saved: services.0.plant: a plant code is 1–16 letters, digits, - or _ (e.g. 2000).')

    const emptyName = await refused(
      saveOtlpMapping(ctxOf('admin'), {
        config: { ...base.config, attributes: { ...base.config.attributes, businessKeys: { ...base.config.attributes.businessKeys, work_order: [''] } } },
        baseUpdatedAt: base.updatedAt,
      }),
    )
    expect(emptyName.message).toMatch(/^The mapping was not saved: attributes\.businessKeys\.work_order\.0: /)

    const repeated = await refused(
      saveOtlpMapping(ctxOf('admin'), { config: { ...base.config, services: [{ service: 'mes-*' }, { service: 'MES-*', plant: '2000' }] }, baseUpdatedAt: base.updatedAt }),
    )
    expect(repeated.message).toContain(`services.1.service: rule 2 repeats rule 1's pattern "MES-*" and would never apply`)
    expect(await current()).toEqual(base.updatedAt)
  })

  it('refuses a save based on a mapping someone else changed since', async () => {
    const stale = await current()
    await saveOtlpMapping(ctxOf('admin'), { config: { defaultFlow: 'goods_movement' }, baseUpdatedAt: stale })
    const conflict = await refused(saveOtlpMapping(ctxOf('admin'), { config: { defaultFlow: 'shipment' }, baseUpdatedAt: stale }))
    expect(conflict.code).toBe('CONFLICT')
    expect(conflict.message).toMatch(/changed the mapping at .* after you opened it; reload/)
    expect((await getOtlpMapping(ctxOf('admin'))).config.defaultFlow).toBe('goods_movement')
  })
})
